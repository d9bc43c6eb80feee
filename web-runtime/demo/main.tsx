/** The edge-inference demo page the hub serves at /web (built by hub/src/console/build.ts). */
import { render } from 'preact';
import { App } from './app';
import { takeTokenFromAddress } from './enrolment';
import './styles.css';

// The enrolment token leaves the address bar before anything else runs.
const enrolmentToken = takeTokenFromAddress();
const root = document.getElementById('app');
if (root) render(<App enrolmentToken={enrolmentToken} />, root);
