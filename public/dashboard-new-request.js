/* New request page (dashboard, D2): says who receives the message as soon as a date of birth is
   filled in: under 16 the parent or guardian, 16 or older the person. The server says the same
   after a submit; without JavaScript nothing is lost. */
(function () {
  'use strict';
  var dob = document.querySelector('[data-recipient-dob]');
  var note = document.querySelector('[data-recipient-note]');
  var first = document.getElementById('field-firstName');
  if (!dob || !note) return;
  function update() {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dob.value || '');
    if (!m) return;
    var now = new Date();
    var age = now.getFullYear() - Number(m[1]);
    var month = now.getMonth() + 1;
    if (month < Number(m[2]) || (month === Number(m[2]) && now.getDate() < Number(m[3]))) age -= 1;
    if (age < 0 || age > 120) return;
    var name = (first && first.value.trim()) || '…';
    var text = age < 16 ? note.getAttribute('data-guardian') : note.getAttribute('data-participant');
    note.textContent = (text || '').split('{name}').join(name);
  }
  dob.addEventListener('change', update);
  dob.addEventListener('input', update);
  if (first) first.addEventListener('change', update);
})();
