import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { bootstrapWorkspace } from './state/bootstrap.ts';
import { App } from './ui/App.tsx';
import { installTestApi } from './ui/testApi.ts';
import './ui/app.css';

bootstrapWorkspace();
installTestApi();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
