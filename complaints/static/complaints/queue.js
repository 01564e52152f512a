/* The queue's filters as a row of dropdowns above the list (so the list keeps the width of a
 * laptop screen): each starts closed and names its current choice; opening one closes the
 * others; a click elsewhere or Escape closes it. Runs after Django's filters.js (both deferred),
 * so the remembered open/closed state of the sidebar layout does not apply here. */
"use strict";
{
  const bar = document.getElementById("changelist-filter");
  if (bar) {
    const all = [...bar.querySelectorAll("details")];
    for (const details of all) {
      details.removeAttribute("open");
      const chosen = details.querySelector("li.selected a");
      const summary = details.querySelector("summary");
      const first = details.querySelector("li a");
      if (chosen && summary && chosen !== first) {
        const span = document.createElement("span");
        span.className = "redress-filter-choice";
        span.textContent = chosen.textContent.trim();
        summary.append(" ", span);
        details.classList.add("redress-filter-active");
      }
      details.addEventListener("toggle", () => {
        if (details.open) all.filter((d) => d !== details).forEach((d) => d.removeAttribute("open"));
      });
    }
    const closeAll = () => all.forEach((d) => d.removeAttribute("open"));
    document.addEventListener("click", (event) => { if (!bar.contains(event.target)) closeAll(); });
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeAll(); });
  }
}
