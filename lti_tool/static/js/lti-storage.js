// LTI client-side OIDC "platform storage": keep the login secret in the LMS's frame
// when the browser blocks SkillCert's own cookie inside the iframe.
// Messages: lti.put_data / lti.get_data (1EdTech LTI Client Side postMessages).
(function () {
  "use strict";
  var el = document.getElementById("lti-storage");
  if (!el) { return; }
  var targetName = el.dataset.target;
  var origin = el.dataset.origin;
  var target = targetName === "_parent" ? window.parent : (window.parent.frames[targetName] || window.parent);
  var messageId = "skillcert-" + Math.random().toString(36).slice(2);

  function send(subject, extra) {
    var message = { subject: subject, message_id: messageId, key: el.dataset.key };
    Object.keys(extra || {}).forEach(function (k) { message[k] = extra[k]; });
    target.postMessage(message, origin);
  }

  function fail() {
    if (el.dataset.action === "put") { window.location.replace(el.dataset.next); return; }
    var fallback = el.querySelector(".fallback");
    if (fallback) { fallback.hidden = false; }
  }

  var timer = window.setTimeout(fail, 2000);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.message_id !== messageId) { return; }
    window.clearTimeout(timer);
    if (event.data.error) { fail(); return; }
    if (event.data.subject === "lti.put_data.response") {
      window.location.replace(el.dataset.next);
    } else if (event.data.subject === "lti.get_data.response" && event.data.value) {
      el.querySelector("input[name=browser_secret]").value = event.data.value;
      el.submit();
    } else {
      fail();
    }
  });

  if (el.dataset.action === "put") {
    send("lti.put_data", { value: el.dataset.value });
  } else {
    send("lti.get_data");
  }
})();
