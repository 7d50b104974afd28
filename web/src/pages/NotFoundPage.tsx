import { Link, useLocation } from '../router.tsx';

export function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p className="lead">
        Nothing is at <code>{pathname}</code>. Check the address, or go to the <Link to="/directory">directory</Link>.
      </p>
    </div>
  );
}
