import { useTheme } from '../theme.tsx';
import { MoonIcon, SunIcon } from './Icons.tsx';

/** Switches between light and dark; the choice is remembered (the system's theme until then). */
export function ThemeToggle() {
  const { effective, setChoice } = useTheme();
  const next = effective === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="icon-btn" aria-label={`Switch to ${next} theme`} title={`Switch to ${next} theme`} onClick={() => setChoice(next)}>
      {effective === 'dark' ? <SunIcon /> : <MoonIcon />}
    </button>
  );
}
