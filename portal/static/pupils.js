/* Pupils' pages. Everything works without this file; it only makes things easier.
 *
 * Picture sign-in: each picture checkbox becomes a big toggle button (aria-pressed), chosen by a
 * tap, or by Tab and then Space or Enter. The hidden checkbox still carries the choice, so the
 * form posts exactly what it would without JavaScript.
 *
 * Login cards: a Print button.
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

  function printButton(button) {
    var hint = document.querySelector("[data-print-hint]");
    button.hidden = false;
    if (hint) { hint.hidden = true; }
    button.addEventListener("click", function () { window.print(); });
  }

  var grid = document.querySelector("[data-picture-grid]");
  if (grid) { pictureGrid(grid); }
  var print = document.querySelector("[data-print]");
  if (print) { printButton(print); }
})();
