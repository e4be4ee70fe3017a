// Save a quiz or exam's answers as the learner works, and show the time left.
// Without JavaScript the "Save answers" button does the same; the server keeps the time.
// Every text comes from the page's data-text-* attributes, in the page's language.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  var status = document.getElementById("save-status");
  if (!form || !window.fetch) { return; }
  var timer = null;
  function save() {
    timer = null;
    var body = new FormData(form);
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": body.get("csrf_token") }
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (data) {
      var notes = Object.assign({}, data.problems || {}, data.errors || {});
      var keys = Object.keys(notes);
      status.textContent = keys.length
        ? status.dataset.textCheck + " " + keys.map(function (k) { return notes[k]; }).join(" ")
        : status.dataset.textSaved;
    }).catch(function () {
      status.textContent = status.dataset.textFailed;
    });
  }
  form.addEventListener("input", function () {
    status.textContent = status.dataset.textSaving;
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, 800);
  });
  form.addEventListener("change", function () { if (!timer) { timer = window.setTimeout(save, 300); } });

  var deadline = document.getElementById("deadline");
  if (deadline) {
    var end = Date.parse(deadline.dataset.deadline);
    var out = deadline.querySelector(".timer");
    var tick = function () {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      // Announce each minute, not each second, so screen readers are not flooded.
      var text = deadline.dataset;
      if (left <= 0) {
        out.textContent = text.textTimeUp;
      } else {
        out.textContent = minutes === 0
          ? text.textOneMinute
          : text.textMinutes.replace("{minutes}", String(minutes + 1));
      }
    };
    tick();
    window.setInterval(tick, 15000);
  }
})();
