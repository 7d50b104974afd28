import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';

/** Light and dark: the system's choice by default, or the person's, kept in localStorage (public/theme-init.js applies it before the first paint). */
export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'switchboard.theme';
const media = () => window.matchMedia('(prefers-color-scheme: dark)');

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

interface ThemeState {
  choice: ThemeChoice;
  /** What is on screen now. */
  effective: 'light' | 'dark';
  setChoice(choice: ThemeChoice): void;
}

const ThemeContext = createContext<ThemeState | undefined>(undefined);

export function ThemeProvider({ children }: { children: ReactNode }) {
  const [choice, setChoiceState] = useState<ThemeChoice>(stored);
  const [systemDark, setSystemDark] = useState(() => media().matches);
  useEffect(() => {
    const list = media();
    const update = () => setSystemDark(list.matches);
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, []);
  useEffect(() => {
    if (choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
  }, [choice]);
  const setChoice = useCallback((next: ThemeChoice) => {
    try {
      if (next === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      // Storage may be off (private windows): the choice then lasts this visit.
    }
    setChoiceState(next);
  }, []);
  const effective = choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
  return <ThemeContext.Provider value={{ choice, effective, setChoice }}>{children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeState {
  const state = useContext(ThemeContext);
  if (!state) throw new Error('useTheme outside ThemeProvider');
  return state;
}
