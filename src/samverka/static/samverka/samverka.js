// Samverka: small progressive enhancements. Everything works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // Tell screen-reader users that the results changed, by focusing nothing but announcing
  // through the aria-live region the partial already carries.
  const results = event.detail.target;
  if (results && results.id === "results") results.setAttribute("aria-busy", "false");
});
document.addEventListener("htmx:beforeRequest", (event) => {
  const results = document.getElementById("results");
  if (results) results.setAttribute("aria-busy", "true");
});
