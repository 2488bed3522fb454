import { describe, expect, it } from 'vitest';
import { DEFAULT_DISCLOSURE, disclosureFor, withDisclosure } from '../src/domain/customer/disclosure.ts';
import { classifyText } from '../src/domain/customer/classify.ts';

// Issue 19: the first bot message says it is an automated assistant and how to reach a person.

describe('disclosure', () => {
  it('names the page, or its own wording, and what to write to reach a person', () => {
    expect(disclosureFor({ name: 'Stride Shoes', custom: null })).toBe(
      'You are chatting with the automated assistant of Stride Shoes. To reach a person from our team at any time, write "talk to a person".',
    );
    expect(disclosureFor({ name: 'Voltix', custom: 'Hallo! Ich bin der Chat-Assistent von {{page_name}}. Schreib "Mitarbeiter", um mit einem Menschen zu sprechen.' })).toBe(
      'Hallo! Ich bin der Chat-Assistent von Voltix. Schreib "Mitarbeiter", um mit einem Menschen zu sprechen.',
    );
    // no page name: said without it, never "of ."
    expect(disclosureFor({ name: null, custom: null })).toBe('You are chatting with the automated assistant. To reach a person from our team at any time, write "talk to a person".');
    // a custom text with a variable we do not have falls back to the default
    expect(disclosureFor({ name: 'Voltix', custom: 'Hi {{coupon}}' })).toBe(DEFAULT_DISCLOSURE.replace('{{page_name}}', 'Voltix'));
  });

  it('what it tells the customer to write is read as a request for a person', () => {
    expect(classifyText('talk to a person', false).intent).toBe('human_request');
  });

  it('comes first and is never cut; the reply is shortened to fit Messenger\'s 2,000 characters', () => {
    const d = disclosureFor({ name: 'Voltix', custom: null });
    expect(withDisclosure(d, 'The X costs €1.')).toBe(`${d}\n\nThe X costs €1.`);
    const long = withDisclosure(d, 'a'.repeat(3000));
    expect(long.length).toBe(2000);
    expect(long.startsWith(`${d}\n\n`)).toBe(true);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('humans first', () => {
  it('the bot stays quiet for MESSENGER_HUMAN_PAUSE_MINUTES after a person wrote, then answers again', async () => {
    const { humanIsTalking } = await import('../src/domain/messenger/human-pause.ts');
    const { loadConfig } = await import('../src/config.ts');
    const wrote = new Date('2026-11-25T14:00:00Z');
    const later = (min: number) => new Date(wrote.getTime() + min * 60_000);
    expect(loadConfig({}).messenger.humanPauseMinutes).toBe(30);
    expect(humanIsTalking(wrote, later(1), 30)).toBe(true);
    expect(humanIsTalking(wrote, later(29.9), 30)).toBe(true);
    expect(humanIsTalking(wrote, later(30), 30)).toBe(false);
    expect(humanIsTalking(null, later(1), 30)).toBe(false);
    expect(humanIsTalking(wrote, later(1), 0)).toBe(false);
    expect(() => loadConfig({ MESSENGER_HUMAN_PAUSE_MINUTES: '-1' })).toThrow(/MESSENGER_HUMAN_PAUSE_MINUTES/);
  });
});
