/* The portal's one script, on every page and kept by the browser for a year: one file, so a
 * page on a slow phone connection waits for one request, not four. Each part below looks for
 * its own elements and does nothing where they are not. Everything works without it; it only
 * makes things easier. */

// Forms for everyone: move focus to the list of problems when a form comes back with errors,
// so a screen reader reads it and a keyboard user starts there; and a "Show password" button
// beside each password box, for anyone who finds typing blind hard; and "Print" buttons.
(function () {
  "use strict";
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
  var boxes = document.querySelectorAll('input[type="password"]');
  Array.prototype.forEach.call(boxes, function (box) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary show-password";
    button.textContent = "Show password";
    button.setAttribute("aria-controls", box.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var showing = box.type === "text";
      box.type = showing ? "password" : "text";
      button.textContent = showing ? "Show password" : "Hide password";
      button.setAttribute("aria-pressed", showing ? "false" : "true");
    });
    box.insertAdjacentElement("afterend", button);
  });
  // "Print or save": shown only where it can work, with scripts on. The browser's print dialog
  // also offers to save the page as a PDF.
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-print-hint]"), function (hint) {
    hint.hidden = true;  // the button above does what the hint says to do by hand
  });
  // Before the form goes, hide the password again so the browser never keeps it as text.
  Array.prototype.forEach.call(document.forms, function (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.querySelectorAll(".show-password"), function (button) {
        var box = document.getElementById(button.getAttribute("aria-controls"));
        if (box) {
          box.type = "password";
        }
      });
    });
  });
})();

/* Picture sign-in: each picture checkbox becomes a big toggle button (aria-pressed), chosen by a
 * tap, or by Tab and then Space or Enter. The hidden checkbox still carries the choice, so the
 * form posts exactly what it would without JavaScript.
 */
(function () {
  "use strict";

  function pictureGrid(grid) {
    var most = parseInt(grid.getAttribute("data-choose"), 10) || 3;
    var status = document.querySelector("[data-picture-status]");
    var tiles = Array.prototype.slice.call(grid.querySelectorAll("[data-picture]"));
    var checks = [];

    function chosen() {
      return checks.filter(function (check) { return check.checked; }).length;
    }

    function say(text) {
      if (status) { status.textContent = text; }
    }

    function sayCount() {
      var count = chosen();
      if (count === most) {
        say("You have chosen " + most + " pictures. Now press Go.");
      } else {
        say("You have chosen " + count + " of " + most + " pictures.");
      }
    }

    tiles.forEach(function (tile) {
      var check = tile.querySelector("input[type=checkbox]");
      var label = tile.querySelector("label");
      if (!check || !label) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "picture-button";
      button.setAttribute("aria-pressed", check.checked ? "true" : "false");
      while (label.firstChild) { button.appendChild(label.firstChild); }
      label.parentNode.removeChild(label);
      check.hidden = true;
      check.tabIndex = -1;
      tile.appendChild(button);
      checks.push(check);

      button.addEventListener("click", function () {
        if (!check.checked && chosen() >= most) {
          say("You have chosen " + most + " pictures. Tap one again to take it away.");
          return;
        }
        check.checked = !check.checked;
        button.setAttribute("aria-pressed", check.checked ? "true" : "false");
        sayCount();
      });
    });
    if (chosen() > 0) { sayCount(); }
  }

  var grid = document.querySelector("[data-picture-grid]");
  if (grid) { pictureGrid(grid); }
})();

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
