/** A small labelled training set for workflow tests (three clearly separated categories). */
const HARDWARE = [
  'printer jammed again on the second floor',
  'laptop screen flickers and goes black',
  'docking station does not detect my monitor',
  'keyboard keys stuck after coffee spill',
  'the printer toner is empty please replace',
  'my laptop battery no longer charges',
  'second monitor shows no signal',
  'mouse stopped working wireless receiver lost',
  'laptop fan is very loud and hot',
  'printer prints blank pages',
  'headset microphone is broken',
  'laptop will not boot after update black screen',
];
const ACCESS = [
  'cannot log in my password expired',
  'account locked after too many attempts',
  'please grant access to the finance shared folder',
  'vpn login fails with authentication error',
  'reset my password for the hr portal',
  'need access to the jira project board',
  'two factor token not accepted at login',
  'my account is disabled cannot sign in',
  'request access to the sharepoint site',
  'password reset link does not arrive',
  'cannot access email account locked',
  'need permission for the reporting database',
];
const PURCHASE = [
  'please order two new monitors for the team',
  'quote for ten keyboards and mice',
  'purchase a licence for the design software',
  'order a headset for the new hire',
  'we need to buy a projector for the meeting room',
  'request to purchase additional laptops',
  'invoice for the software subscription renewal',
  'order office chairs for the new office',
  'buy a docking station for the new colleague',
  'purchase order for cloud storage licences',
  'need a quote for conference phones',
  'approve the purchase of ergonomic keyboards',
];

export const TRAINING_TICKETS: { text: string; label: string }[] = [
  ...HARDWARE.map((text) => ({ text, label: 'Hardware' })),
  ...ACCESS.map((text) => ({ text, label: 'Access' })),
  ...PURCHASE.map((text) => ({ text, label: 'Purchase' })),
];
