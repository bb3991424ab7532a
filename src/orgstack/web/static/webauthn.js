// Security keys and passkeys: runs the WebAuthn ceremony of a form and posts its result.
//
// A form marked `data-webauthn="create"` or `data-webauthn="get"` carries the server's options
// as JSON in `data-webauthn-options` and a hidden `webauthn_response` input. Its buttons marked
// `data-webauthn-submit` stay disabled until this script finds WebAuthn in the browser. Without
// the script or without WebAuthn, the page's `data-webauthn-unsupported` message stays visible.
(function () {
  "use strict";

  var FAILED = "The security key or passkey did not respond, or the request was cancelled. Try again.";
  var ALREADY_REGISTERED = "This security key or passkey is already registered. Use another one.";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The server sends byte fields as base64url strings; the browser API wants ArrayBuffers.
  function decodeDescriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBuffer(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    options.excludeCredentials = decodeDescriptors(options.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBuffer(options.challenge);
    options.allowCredentials = decodeDescriptors(options.allowCredentials);
    return { publicKey: options };
  }

  // The JSON shape of a PublicKeyCredential (WebAuthn Level 3 `toJSON`), built by hand so that
  // browsers without `toJSON` work too.
  function credentialJson(credential) {
    var response = credential.response;
    var fields = { clientDataJSON: toText(response.clientDataJSON) };
    if (response.attestationObject) {
      fields.attestationObject = toText(response.attestationObject);
      fields.transports = response.getTransports ? response.getTransports() : [];
    } else {
      fields.authenticatorData = toText(response.authenticatorData);
      fields.signature = toText(response.signature);
      if (response.userHandle) { fields.userHandle = toText(response.userHandle); }
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: fields,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults()
    });
  }

  function showError(form, message) {
    var box = form.querySelector("[data-webauthn-error]");
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
  }

  function runCeremony(form) {
    var options = JSON.parse(form.getAttribute("data-webauthn-options"));
    var create = form.getAttribute("data-webauthn") === "create";
    var pending = create
      ? navigator.credentials.create(creationOptions(options))
      : navigator.credentials.get(requestOptions(options));
    return pending.then(function (credential) {
      form.querySelector("input[name=webauthn_response]").value = credentialJson(credential);
      form.submit();
    });
  }

  function attach(form) {
    var buttons = form.querySelectorAll("[data-webauthn-submit]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = false; }
    form.addEventListener("submit", function (event) {
      // Other buttons of the same form (a TOTP code, for example) post as usual.
      if (event.submitter && !event.submitter.hasAttribute("data-webauthn-submit")) { return; }
      event.preventDefault();
      runCeremony(form).catch(function (failure) {
        var known = failure && failure.name === "InvalidStateError";
        showError(form, known ? ALREADY_REGISTERED : FAILED);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential || !navigator.credentials) { return; }
    var notes = document.querySelectorAll("[data-webauthn-unsupported]");
    for (var i = 0; i < notes.length; i++) { notes[i].hidden = true; }
    var forms = document.querySelectorAll("form[data-webauthn]");
    for (var j = 0; j < forms.length; j++) { attach(forms[j]); }
  });
})();
