/* Which version of each policy is in force, worked out on the reader's own day.
 *
 * The site's pages write everything that depends on the day (the current version, each
 * version's status, "not yet in force", the sign link, an overdue review) once for each period,
 * with the days it is true between: data-shown-from (that day included) and data-shown-until
 * (that day excluded), as YYYY-MM-DD. This script shows only what is true today in England, the
 * portal's own clock, so the site and the portal never disagree, whenever the site was built.
 * Without scripts, the page shows what was true on the day it was built.
 */
(function () {
  "use strict";

  function schoolToday(now) {
    // en-CA writes dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: "Europe/London",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(now);
  }

  function shownOn(from, until, today) {
    return (!from || from <= today) && (!until || today < until);
  }

  function apply(root, today) {
    var marked = root.querySelectorAll("[data-shown-from], [data-shown-until]");
    for (var i = 0; i < marked.length; i++) {
      var element = marked[i];
      element.hidden = !shownOn(
        element.getAttribute("data-shown-from"),
        element.getAttribute("data-shown-until"),
        today
      );
    }
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { schoolToday: schoolToday, shownOn: shownOn, apply: apply };
  }
  if (typeof document !== "undefined") {
    var run = function () { apply(document, schoolToday(new Date())); };
    if (typeof document$ !== "undefined") {
      document$.subscribe(run); // Material's instant loading swaps pages without a reload
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", run);
    } else {
      run();
    }
  }
})();
