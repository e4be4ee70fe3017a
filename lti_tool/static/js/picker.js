// The content picker's search: show the search box, and as the instructor types, hide the
// choices that do not match, open the groups that hold matches and announce how many match.
// Without JavaScript the box stays hidden and the tree of disclosures works as it is.
// Every text comes from the status region's data-text-* attributes, in the page's language.
(function () {
  "use strict";
  var box = document.querySelector("[data-picker]");
  if (!box) { return; }
  var search = box.querySelector("[data-picker-search]");
  var input = search && search.querySelector("input");
  var status = box.querySelector("[role=status]");
  if (!input || !status) { return; }

  // Lower case without accents, so "evaluacion" finds "Evaluación".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var groups = Array.prototype.slice.call(box.querySelectorAll("[data-picker-group]"));
  var startedOpen = groups.map(function (group) { return group.open; });
  // Each choice is found by its own words and by the names of the groups that hold it.
  var entries = Array.prototype.slice.call(box.querySelectorAll("[data-picker-entry]")).map(
    function (element) {
      var words = [element.getAttribute("data-search") || ""];
      for (var up = element.parentElement; up && up !== box; up = up.parentElement) {
        if (up.hasAttribute("data-picker-group")) { words.push(up.getAttribute("data-search") || ""); }
      }
      return { element: element, text: fold(words.join(" ")) };
    }
  );

  var announceTimer = null;
  function announce(count) {
    var text = "";
    if (count === 0) { text = status.getAttribute("data-text-none"); }
    else if (count === 1) { text = status.getAttribute("data-text-one"); }
    else if (count > 1) {
      var number = count.toLocaleString(document.documentElement.lang || undefined);
      text = status.getAttribute("data-text-many").replace("{count}", number);
    }
    // Wait for a pause in typing, so a screen reader hears one count, not one per key.
    if (announceTimer) { window.clearTimeout(announceTimer); }
    announceTimer = window.setTimeout(function () { status.textContent = text; }, 500);
  }

  function showGroup(group, shown, open) {
    group.hidden = !shown;
    group.open = open;
    // A module's list item holds only its disclosure: it shows and hides with it.
    var item = group.parentElement;
    if (item && item.tagName === "LI") { item.hidden = !shown; }
  }

  function filter() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    if (!words.length) {
      entries.forEach(function (entry) { entry.element.hidden = false; });
      groups.forEach(function (group, i) { showGroup(group, true, startedOpen[i]); });
      announce(-1);
      return;
    }
    var count = 0;
    entries.forEach(function (entry) {
      var matches = words.every(function (word) { return entry.text.indexOf(word) !== -1; });
      entry.element.hidden = !matches;
      if (matches) { count += 1; }
    });
    groups.forEach(function (group) {
      var shown = group.querySelector("[data-picker-entry]:not([hidden])") !== null;
      showGroup(group, shown, shown);
    });
    announce(count);
  }

  search.hidden = false;
  input.addEventListener("input", filter);
  // Enter in the search box must not submit the form (it would place what is ticked).
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }
  });
})();
