import { useEffect } from 'react';
import { navigate } from '../router.tsx';

export function RedirectPage({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
