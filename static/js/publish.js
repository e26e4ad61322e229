// Publish page: "line N" in the error list selects that line of the descriptor, so it can be fixed.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-line]");
  const area = document.getElementById("id_descriptor");
  if (!button || !area) return;
  const lines = area.value.split("\n");
  const index = Math.min(Number(button.dataset.line), lines.length) - 1;
  const start = lines.slice(0, index).reduce((sum, line) => sum + line.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + lines[index].length);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20;
  area.scrollTop = Math.max(0, (index - 3) * lineHeight);
});
