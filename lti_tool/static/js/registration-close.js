// LTI Dynamic Registration 1.0: tell the LMS the registration is over, so it closes the
// window or frame it opened SkillCert's registration page in (message subject
// "org.imsglobal.lti.close"). The message carries nothing, so any origin may receive it.
document.querySelectorAll("button[data-lti-close]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
    if (window.opener) { window.close(); }
  });
});
