import { describe, expect, it } from 'vitest';
import { byCategory, cannedBody, checkCategory, checkName, mayManageCanned, parseCannedCommand } from '../src/domain/canned.ts';

// `/canned`'s pure rules (src/domain/canned.ts): the grammar, what a response may be called and
// say, who may change responses.

describe('parseCannedCommand', () => {
  it('keeps the send and list forms of before', () => {
    expect(parseCannedCommand('')).toEqual({ kind: 'list', scope: { kind: 'channel' } });
    expect(parseCannedCommand('greeting')).toEqual({ kind: 'send', name: 'greeting' });
    expect(parseCannedCommand('greeting #42')).toEqual({ kind: 'send', name: 'greeting', conversationId: 42 });
    expect(parseCannedCommand('greeting abc').kind).toBe('bad');
  });

  it('list takes a category and a scope', () => {
    expect(parseCannedCommand('list')).toEqual({ kind: 'list', scope: { kind: 'channel' } });
    expect(parseCannedCommand('LIST Shipping')).toEqual({ kind: 'list', scope: { kind: 'channel' }, category: 'shipping' });
    expect(parseCannedCommand('list page:Acme shipping')).toEqual({ kind: 'list', scope: { kind: 'page', ref: 'Acme' }, category: 'shipping' });
    expect(parseCannedCommand('list a b').kind).toBe('bad');
  });

  it('add, edit and remove keep the text as typed, line breaks included', () => {
    expect(parseCannedCommand('add Shipping late Sorry {{first_name}},\nit is late &amp; coming')).toEqual({
      kind: 'add', scope: { kind: 'channel' }, category: 'shipping', name: 'late', text: ' Sorry {{first_name}},\nit is late &amp; coming',
    });
    expect(parseCannedCommand('edit page:shared late New text')).toEqual({ kind: 'edit', scope: { kind: 'shared' }, name: 'late', text: ' New text' });
    expect(parseCannedCommand('remove page:12 late')).toEqual({ kind: 'remove', scope: { kind: 'page', ref: '12' }, name: 'late' });
    for (const bad of ['add', 'add shipping', 'add shipping late', 'edit late', 'remove', 'remove late now']) {
      expect(parseCannedCommand(bad)).toMatchObject({ kind: 'bad', reason: expect.stringMatching(/^usage: /) });
    }
  });
});

describe('what a response may be', () => {
  it('a name starts with a letter (never read as a conversation id) and is not a subcommand', () => {
    expect(checkName('late_order.v2').ok).toBe(true);
    expect(checkName('42').ok).toBe(false);
    expect(checkName('Remove')).toMatchObject({ ok: false, reason: expect.stringMatching(/subcommand/) });
    expect(checkName('a b').ok).toBe(false);
  });

  it("a category is a short slug, and not the bot's own", () => {
    expect(checkCategory('returns-eu').ok).toBe(true);
    expect(checkCategory('bot')).toMatchObject({ ok: false, reason: expect.stringMatching(/customer agent's own replies/) });
    expect(checkCategory('x'.repeat(33)).ok).toBe(false);
  });

  it("the text is Slack's markup undone, within Messenger's limit, with variables /canned can fill", () => {
    expect(cannedBody(' Hi {{ First_Name }}, see <https://shop.example/t|tracking> &amp; more ')).toEqual({
      ok: true, value: { body: 'Hi {{ First_Name }}, see tracking (https://shop.example/t) & more', variables: ['first_name'] },
    });
    expect(cannedBody('Your order {{order_id}}')).toMatchObject({ ok: false, reason: expect.stringMatching(/\{\{order_id\}\} cannot be filled/) });
    // a bot reply reworded keeps the variables it had
    expect(cannedBody('It costs {{price}}.', ['price']).ok).toBe(true);
    expect(cannedBody('<@U123>').ok).toBe(false);
    expect(cannedBody('x'.repeat(2001))).toMatchObject({ ok: false, reason: expect.stringMatching(/2000/) });
  });

  it('team leads and admins manage responses; agents and others do not', () => {
    expect(['admin', 'lead', 'agent', 'qa', 'developer'].map((r) => mayManageCanned(r as never))).toEqual([true, true, false, false, false]);
  });

  it('groups by category, the bot last, names in order', () => {
    const rows = [{ category: 'bot', name: 'greeting' }, { category: 'shipping', name: 'late' }, { category: 'general', name: 'thanks' }, { category: 'general', name: 'bye' }];
    expect(byCategory(rows).map(([c, list]) => [c, list.map((r) => r.name)])).toEqual([['general', ['bye', 'thanks']], ['shipping', ['late']], ['bot', ['greeting']]]);
  });
});
