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
