import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { bootstrapWorkspace } from './state/bootstrap.ts';
import { App } from './ui/App.tsx';
import { installTestApi } from './ui/testApi.ts';
import './ui/app.css';

void bootstrapWorkspace();
// The test API on window exists only in the build the browser tests run (VITE_MESHPATH_TEST_API=1).
if (import.meta.env.VITE_MESHPATH_TEST_API === '1') installTestApi();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
