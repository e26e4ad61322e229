// "Profile now" and PII decisions on the product page: POST to the API, then reload the page.
(function () {
  "use strict";
  const root = document.querySelector("[data-profile-url]");
  if (!root) return;
  const token = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const status = root.querySelector("[data-profile-status]");

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new Error(data.detail || response.statusText);
    }
    return response.json();
  }

  root.addEventListener("click", async (event) => {
    const run = event.target.closest("[data-profile-run]");
    const pii = event.target.closest("[data-pii-url]");
    if (!run && !pii) return;
    event.preventDefault();
    try {
      if (run) {
        if (status) status.textContent = "Queued…";
        await post(root.dataset.profileUrl);
      } else {
        await post(pii.dataset.piiUrl, { status: pii.dataset.piiStatus });
      }
      window.location.reload();
    } catch (error) {
      if (status) status.textContent = "Failed: " + error.message;
    }
  });
})();
