/**
 * The operations dashboard (served by the gateway at /dashboard; docs/decisions/0025-dashboard.md):
 * signs in with a token when one is given (URL fragment or the sign-in form), then starts every
 * panel. Each panel reads the gateway on its own, so a field the token may not read blanks only
 * its panel, with the gateway's message.
 */
import './styles.css';
import { createApi } from './api.ts';
import { byId } from './dom.ts';
import { startAlertsPanel } from './panels/alerts.ts';
import { startBusinessPanels } from './panels/business.ts';
import { startLivePanel } from './panels/live.ts';
import { startModelsPanel } from './panels/models.ts';
import { startPipelinePanel } from './panels/pipeline.ts';
import { takeToken, wireSession } from './session.ts';

function start(): void {
  const token = takeToken();
  wireSession(token);
  const api = createApi(token);
  const pill = byId('live-state');
  api.onState((state, detail) => {
    pill.dataset.state = state;
    pill.textContent = state;
    pill.title = detail ?? '';
  });
  startLivePanel(api);
  startAlertsPanel(api);
  startBusinessPanels(api);
  startPipelinePanel(api);
  startModelsPanel(api);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
