// Applies the theme the person chose (light or dark) before the app loads; "system" follows the OS.
try {
  var theme = localStorage.getItem('switchboard.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch (e) {}
