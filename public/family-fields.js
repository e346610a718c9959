/* Akkoord: the second parent's fields on the signing page (issue 12; ES2017, no dependencies).
 * Progressive enhancement only: without JavaScript every field is in the form and the server
 * ignores the contact unless "joint" is chosen. Here the contact fields are hidden until "joint"
 * is chosen, and only the address field of the chosen channel is shown. */
(function () {
  'use strict';

  const invite = document.querySelector('[data-family-invite]');
  if (!invite) return;
  const authority = document.querySelectorAll('[data-family-authority]');
  const channels = document.querySelectorAll('[data-family-channel-choice]');
  const addressFields = invite.querySelectorAll('[data-family-channel]');

  const checkedValue = function (inputs) {
    let value = null;
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.checked) value = input.value;
    });
    return value;
  };

  // A field with an error stays visible, so the error is never hidden.
  const hasError = function (el) {
    return el.classList.contains('has-error') || el.querySelector('.has-error, .field-error') !== null;
  };

  const update = function () {
    invite.hidden = checkedValue(authority) !== 'joint' && !hasError(invite);
    const channel = checkedValue(channels);
    Array.prototype.forEach.call(addressFields, function (field) {
      field.hidden = channel !== null && field.getAttribute('data-family-channel') !== channel && !hasError(field);
    });
  };

  Array.prototype.forEach.call(authority, function (input) {
    input.addEventListener('change', update);
  });
  Array.prototype.forEach.call(channels, function (input) {
    input.addEventListener('change', update);
  });
  update();
})();
