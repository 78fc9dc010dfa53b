/** Entry point of `cdk synth` / `cdk deploy` (see cdk.json). */
import { createApp } from './create-app.ts';

createApp().app.synth();
