/* "Read it to me": the browser's own speech reads a section, a question or its feedback aloud.
 * Buttons stay hidden where the browser cannot speak. */
(function () {
  "use strict";
  if (!("speechSynthesis" in window)) { return; }
  var buttons = document.querySelectorAll("button[data-read]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-read"));
      if (!target) { return; }
      window.speechSynthesis.cancel();
      var words = new SpeechSynthesisUtterance(target.innerText);
      words.lang = "en-GB";
      words.rate = 0.9;
      window.speechSynthesis.speak(words);
    });
  });
}());
