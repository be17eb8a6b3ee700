// The operator portal's only script: copy buttons. Everything else works without JavaScript.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.copy + '-status');
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    if (status) status.textContent = 'Copied.';
  } catch (_) {
    // Clipboard access needs a secure context; select the text so Ctrl-C works instead.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (status) status.textContent = 'Selected: press Ctrl-C (or ⌘-C) to copy.';
  }
});
