// The start page of `cct serve`, for a logged-in facilitator: the submission counts of today's
// sessions, read again every 15 seconds from /counts (no reload, nothing else changes).
(function () {
  "use strict";
  const rows = document.querySelectorAll("tr.cct-session[data-session]");
  const source = document.querySelector("[data-counts-url]");
  if (!rows.length || !source) return;
  const status = document.getElementById("cct-counts-status");

  async function refresh() {
    try {
      const answer = await fetch(source.dataset.countsUrl, { credentials: "same-origin", cache: "no-store" });
      if (!answer.ok) throw new Error(String(answer.status));
      const counts = await answer.json();
      for (const row of rows) {
        const found = counts[row.dataset.session] || { counted: 0, beyond: 0 };
        const cap = row.dataset.cap ? ` of at most ${row.dataset.cap}` : "";
        row.querySelector(".cct-counted").textContent = `${found.counted}${cap}`;
        row.querySelector(".cct-beyond").textContent = String(found.beyond);
      }
      if (status) status.textContent = `Counts as of ${new Date().toLocaleTimeString()}.`;
    } catch (error) {
      if (status) status.textContent = "Counts could not be updated; they will be tried again.";
    }
  }
  setInterval(refresh, 15000);
})();
