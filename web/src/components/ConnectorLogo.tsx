import { useState } from 'react';

/** The connector's logo when it has one, else its initial on a colour of its own (stable per name). */
export function ConnectorLogo({ name, logoUrl, size = 40 }: { name: string; logoUrl: string | null; size?: number }) {
  const [failed, setFailed] = useState(false);
  if (logoUrl && !failed) {
    return <img className="logo" src={logoUrl} alt="" width={size} height={size} loading="lazy" onError={() => setFailed(true)} />;
  }
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return (
    <span className={`logo logo-monogram hue-${hash % 8}`} style={{ width: size, height: size, fontSize: size * 0.45 }} aria-hidden="true">
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
}
