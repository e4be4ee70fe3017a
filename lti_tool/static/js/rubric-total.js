// The grading page: add up the points of the levels chosen in each rubric form, as the
// grader chooses them, and say it politely (aria-live). Without JavaScript the total
// stays hidden and the score is worked out when the grade is saved.
// Texts come from the total's data-text-* attributes, in the page's language.
(function () {
  "use strict";
  var totals = document.querySelectorAll("[data-rubric-total]");
  if (!totals.length || !window.Intl) { return; }
  var number = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: 2
  });
  Array.prototype.forEach.call(totals, function (total) {
    var form = total.closest("form");
    if (!form) { return; }
    function update() {
      var points = 0;
      var criteria = {};
      var chosen = 0;
      var levels = form.querySelectorAll("input[type=radio][data-points]");
      Array.prototype.forEach.call(levels, function (level) {
        criteria[level.name] = true;
        if (level.checked) {
          points += parseFloat(level.getAttribute("data-points")) || 0;
          chosen += 1;
        }
      });
      var missing = Object.keys(criteria).length - chosen;
      var text = total.getAttribute("data-text").replace("{points}", number.format(points));
      if (missing > 0) {
        text += " " + total.getAttribute("data-text-missing").replace("{count}", number.format(missing));
      }
      if (total.textContent !== text) { total.textContent = text; }
    }
    form.addEventListener("change", update);
    update();
    total.hidden = false;
  });
}());
