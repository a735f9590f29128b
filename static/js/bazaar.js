/* Bazaar: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  var menus = Array.prototype.slice.call(document.querySelectorAll("details[data-menu]"));

  function closeMenus(except) {
    menus.forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  // Header menus (<details>): one open at a time; a click outside or Escape closes them.
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) return;
      closeMenus(menu);
      var field = menu.querySelector("input:not([type=hidden])");
      if (field) {
        field.focus();
        field.select();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });

  // PIN code inputs take digits only: "110 001" or "110-001" become "110001" as you type.
  document.querySelectorAll('input[autocomplete="postal-code"]').forEach(function (input) {
    input.addEventListener("input", function () {
      var digits = input.value.replace(/\D/g, "").slice(0, 6);
      if (digits !== input.value) input.value = digits;
    });
  });

  // Checkout: the new-address fields show only while "A new address" is chosen.
  var newAddress = document.querySelector("[data-new-address]");
  if (newAddress) {
    var choices = Array.prototype.slice.call(document.querySelectorAll('input[name="deliver_to"]'));
    var showNewAddress = function () {
      newAddress.hidden = !choices.some(function (c) { return c.checked && c.value === "new"; });
    };
    choices.forEach(function (c) { c.addEventListener("change", showNewAddress); });
    showNewAddress();
  }

  // Messages get a dismiss button.
  document.querySelectorAll(".message").forEach(function (message) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "message-dismiss";
    button.setAttribute("aria-label", "Dismiss this message");
    button.textContent = "\u00d7";
    button.addEventListener("click", function () {
      message.remove();
    });
    message.classList.add("has-dismiss");
    message.appendChild(button);
  });
})();

/* Browsing: the category drawer's close button, and "Buy now" buying the quantity chosen. */
(function () {
  "use strict";

  document.querySelectorAll("[data-menu-close]").forEach(function (button) {
    var menu = button.closest("details");
    if (!menu) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });

  // The drawer's dimmed backdrop belongs to the <details> itself: a click on it closes the menu.
  document.querySelectorAll("details[data-category-menu]").forEach(function (menu) {
    menu.addEventListener("click", function (event) {
      if (event.target === menu) menu.open = false;
    });
  });

  document.querySelectorAll("form[data-buy-now]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var quantity = form.querySelector("[data-quantity-from]");
      var chosen = quantity && document.getElementById(quantity.getAttribute("data-quantity-from"));
      if (chosen && chosen.value) quantity.value = chosen.value;
    });
  });
})();
