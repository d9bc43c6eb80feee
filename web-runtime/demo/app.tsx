/**
 * The page: load this browser's device, then the pad and the answer beside what serves and how it
 * was verified; before that, loading or the enrolment form.
 */
import { DeviceFacts } from './components/device-facts';
import { DrawPad } from './components/draw-pad';
import { EnrolForm } from './components/enrol-form';
import { ErrorBanner } from './components/error-banner';
import { EventLog } from './components/event-log';
import { PredictionView } from './components/prediction-view';
import { SwitchNotice } from './components/switch-notice';
import { useDevice, type DeviceView } from './use-device';
import { usePredictor } from './use-predictor';
import type { EdgeDevice } from '@edgefleet/web-runtime';

function Inference({ device, view }: { device: EdgeDevice; view: DeviceView }) {
  const active = view.status?.active ?? null;
  const predictor = usePredictor(device, active);
  return (
    <>
      <ErrorBanner status={view.status} />
      {view.status?.refused ? (
        <EnrolForm
          title="This browser is no longer in the fleet"
          code="E_UNAUTHORIZED"
          message="The hub refused this browser's credential: the operator removed this device from the fleet or replaced its secret. The model it had keeps answering here, but nothing is reported any more."
          onToken={view.enrol}
        />
      ) : null}
      <div class="workbench">
        <section aria-labelledby="pad-title">
          <h2 id="pad-title">Draw a digit</h2>
          <DrawPad onDrawn={predictor.predict} onClear={predictor.clear} />
        </section>
        <div>
          <SwitchNotice active={active} />
          <PredictionView predictor={predictor} serving={active !== null} />
        </div>
      </div>
      <div class="details">
        <DeviceFacts status={view.status} device={device.device} latencyMs={predictor.latencyMs} />
        <EventLog events={view.events} />
      </div>
    </>
  );
}

export function App({ enrolmentToken }: { enrolmentToken: string | null }) {
  const view = useDevice(enrolmentToken);
  const { state } = view;
  return (
    <>
      <header class="top">
        <h1>edgefleet · edge inference</h1>
        <p class="hint">The fleet's model runs here, in your browser: verified before it answers, no server round trip.</p>
      </header>
      <main id="main">
        {state.kind === 'loading' ? (
          <p class="muted" aria-busy="true" role="status">
            {state.enrolling ? 'Joining the fleet…' : 'Loading this browser’s device…'}
          </p>
        ) : null}
        {state.kind === 'failed' ? <EnrolForm code={state.code} message={state.message} onToken={view.enrol} /> : null}
        {state.kind === 'ready' ? <Inference device={state.device} view={view} /> : null}
      </main>
    </>
  );
}
