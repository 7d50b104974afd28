import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The Switchboard server the dev server forwards API calls to. Run that server with PUBLIC_URL set to the dev
// server's address (http://127.0.0.1:5173), so cookies, the same-origin check and OAuth callbacks all agree.
const server = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:3000';
const forward = { target: server, changeOrigin: false, xfwd: true };

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The server serves files from memory with its own compression; no source maps in what it ships.
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/api': forward, '/mcp': forward, '/oauth': forward, '/.well-known': forward, '/healthz': forward, '/readyz': forward },
  },
});
