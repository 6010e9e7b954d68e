/* "Read it to me": the browser's own speech (speechSynthesis, no network) reads a section, a
 * question, its feedback or a page aloud. While it reads, its button is pressed
 * (aria-pressed="true") and says "Stop reading"; pressing it again stops. Only one button reads
 * at a time. Buttons stay hidden where the browser cannot speak. */
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }
  var speech = window.speechSynthesis;
  var reading = null;  // the button whose words are being read
  var current = null;  // and those words (a cancelled utterance may still end later)

  // The words on the button; a button written without their own span gets one, so every
  // "Read it to me" can say "Stop reading" while it reads.
  function label(button) {
    var text = button.querySelector(".read-aloud-label");
    if (text) { return text; }
    var words = [];
    Array.prototype.slice.call(button.childNodes).forEach(function (node) {
      if (node.nodeType === 3 && node.textContent.trim()) {
        words.push(node.textContent.trim());
        button.removeChild(node);
      }
    });
    text = document.createElement("span");
    text.className = "read-aloud-label";
    text.setAttribute("data-idle", words.join(" ") || "Read it to me");
    text.textContent = text.getAttribute("data-idle");
    button.appendChild(document.createTextNode(" "));
    button.appendChild(text);
    return text;
  }

  function show(button, on) {
    var text = label(button);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.classList.toggle("is-reading", on);
    text.textContent = on ? "Stop reading" : text.getAttribute("data-idle");
  }

  function stop() {
    var button = reading;
    reading = null;
    current = null;
    speech.cancel();
    if (button) { show(button, false); }
  }

  function read(button) {
    // data-read names one element or several (ids separated by spaces), read in that order.
    var text = button.getAttribute("data-read").split(/\s+/).map(function (id) {
      var target = id && document.getElementById(id);
      return target ? target.innerText : "";
    }).join("\n").trim();
    if (!text) { return; }
    stop();
    var words = new window.SpeechSynthesisUtterance(text);
    words.lang = "en-GB";
    words.rate = 0.9;
    words.onend = words.onerror = function () {
      if (current === words) { current = null; reading = null; show(button, false); }
    };
    reading = button;
    current = words;
    show(button, true);
    speech.speak(words);
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-read]"), function (button) {
    label(button);
    if (!button.hasAttribute("aria-pressed")) { button.setAttribute("aria-pressed", "false"); }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (reading === button) { stop(); } else { read(button); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && reading) { stop(); }
  });
  window.addEventListener("pagehide", function () { if (reading) { stop(); } });
}());
