/** Copies text: the async clipboard API where the webview allows it, else a hidden textarea. */
export async function copyText(text: string): Promise<void> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return;
    }
  } catch {
    // Fall through: some webviews refuse the async API outside a secure context.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "clipboard-helper";
  document.body.appendChild(area);
  area.select();
  try {
    if (!document.execCommand("copy")) throw new Error("The clipboard refused the text.");
  } finally {
    area.remove();
  }
}
