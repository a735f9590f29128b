// Mounts Stripe's Payment Element and confirms the PaymentIntent; the order's outcome still
// comes from the signed webhook, never from this page.
(function () {
  "use strict";
  const form = document.getElementById("stripe-payment");
  if (!form || typeof Stripe === "undefined") { return; }
  const stripe = Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#stripe-element");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const result = await stripe.confirmPayment({ elements, confirmParams: { return_url: form.dataset.returnUrl } });
    if (result.error) {
      const box = document.getElementById("stripe-error");
      box.textContent = result.error.message;
      box.hidden = false;
    }
  });
})();
