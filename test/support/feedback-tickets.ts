/**
 * Tickets for the feedback and retraining tests, unlike the training fixtures
 * (tickets.ts): a category the first model has never seen (Network) and more
 * tickets of the three it knows.
 */
export const NETWORK_TICKETS = [
  'wifi keeps dropping in the meeting room',
  'the wireless network is very slow today',
  'no internet connection on the third floor',
  'ethernet port at my desk is dead',
  'cannot connect to the office wifi network',
  'network switch in the server room is blinking red',
  'wifi signal is weak near the kitchen',
  'internet outage in the whole building',
  'network cable unplugged error on my desk phone',
  'dns lookups fail and websites do not load',
  'the guest wifi network is down',
  'packet loss on the wireless network during calls',
  'router keeps rebooting and the internet drops',
  'wifi access point on floor two is offline',
  'network latency is terrible for video calls',
  'lost internet after the switch was replaced',
];

export const MORE_KNOWN_TICKETS: { text: string; label: string }[] = [
  { text: 'the printer in room 12 is jammed', label: 'Hardware' },
  { text: 'my laptop screen is cracked', label: 'Hardware' },
  { text: 'monitor flickers and shows no signal', label: 'Hardware' },
  { text: 'laptop keyboard stopped working', label: 'Hardware' },
  { text: 'printer shows paper jam error', label: 'Hardware' },
  { text: 'the laptop battery drains very fast', label: 'Hardware' },
  { text: 'docking station does not charge the laptop', label: 'Hardware' },
  { text: 'mouse and keyboard do not respond', label: 'Hardware' },
  { text: 'password expired cannot log in to the portal', label: 'Access' },
  { text: 'my account is locked please unlock it', label: 'Access' },
  { text: 'need access to the marketing shared folder', label: 'Access' },
  { text: 'login fails after password reset', label: 'Access' },
  { text: 'grant me access to the sales dashboard', label: 'Access' },
  { text: 'two factor login code not accepted', label: 'Access' },
  { text: 'request permission for the finance database', label: 'Access' },
  { text: 'cannot sign in account disabled', label: 'Access' },
  { text: 'please order a new monitor for me', label: 'Purchase' },
  { text: 'quote for five new laptops', label: 'Purchase' },
  { text: 'purchase a software licence for the team', label: 'Purchase' },
  { text: 'order headsets for the support team', label: 'Purchase' },
  { text: 'buy a new projector for the office', label: 'Purchase' },
  { text: 'purchase order for ten keyboards', label: 'Purchase' },
  { text: 'need a quote for licences renewal', label: 'Purchase' },
  { text: 'order chairs and desks for the new hires', label: 'Purchase' },
];
