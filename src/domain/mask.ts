// Contact details add nothing to a sentiment or effort judgement, so they never leave for a
// third-party model. Order numbers and prices must survive (they tell repeated questions
// apart), hence phone numbers need 9+ digits, which short order ids and amounts do not have.

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const PHONE = /(?<![\w/])\+?\(?\d(?:[\s().-]{0,2}\d){8,15}(?![\w/])/g;

export function maskPii(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}
