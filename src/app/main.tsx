import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { crashEngineForTest, engine } from '../bridge/engine';
import { currentPreprocess, currentSplit, savesSettled } from '../store/actions';
import { appStore } from '../store/store';
import { App } from './App';
import './styles.css';

// A handle for scripted use and the end-to-end tests: the same calls the UI makes.
Object.assign(window, { quantscope: { engine, store: appStore, currentPreprocess, currentSplit, savesSettled, crashEngineForTest } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
