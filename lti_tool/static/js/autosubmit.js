// Submit a form marked data-autosubmit as soon as the page loads (OIDC form_post).
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
