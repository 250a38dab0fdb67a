// Adds another payment input to the rebate calculator; htmx recalculates on input.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-payment]");
  if (!button) return;
  const list = button.closest("form").querySelector(".rebate-payments");
  const input = document.createElement("input");
  input.type = "text";
  input.name = "payment";
  input.inputMode = "decimal";
  input.autocomplete = "off";
  list.appendChild(input);
  input.focus();
});
