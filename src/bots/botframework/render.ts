import { ActivityTypes, TextFormatTypes, type Activity, type Attachment } from 'botbuilder';
import type { AssistantReply, Chart } from '../../agents/assistant/assistant.ts';
import type { Role } from '../../domain/access.ts';

// What the bot says, as Bot Framework activities. No I/O: the handler decides when and how
// they are sent (inside the turn, or later as a proactive message).

/** Example questions the welcome and the help text offer (all in the offline model's repertoire). */
export const EXAMPLE_QUESTIONS = [
  'What was the CSI last week?',
  'Show the CSI trend for the last 30 days',
  'CSI by page this month',
  'Top 5 topics in complaints this month',
  'How many sessions are waiting for QA?',
] as const;

const examples = () => EXAMPLE_QUESTIONS.map((q) => `- ${q}`).join('\n');

const message = (text: string): Partial<Activity> => ({ type: ActivityTypes.Message, text, textFormat: TextFormatTypes.Markdown });

function chartAttachment(chart: Chart, index: number): Attachment {
  const slug = chart.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  return { contentType: 'image/png', contentUrl: `data:image/png;base64,${chart.png.toString('base64')}`, name: `${slug || `chart-${index + 1}`}.png` };
}

/** The assistant's answer: its text as markdown, each chart as an inline PNG image attachment. */
export function answerActivity(reply: AssistantReply): Partial<Activity> {
  const activity = message(reply.text);
  if (reply.charts.length > 0) activity.attachments = reply.charts.map(chartAttachment);
  return activity;
}

export function welcomeActivity(): Partial<Activity> {
  return message(`Hi, I am SupportPulse: ask me about customer satisfaction (CSI), response times, topics, agents and the QA backlog. For example:\n\n${examples()}`);
}

/** A message without a question (only an attachment, or only a mention of the bot). */
export function helpActivity(): Partial<Activity> {
  return message(`Ask me a question about your support data, for example:\n\n${examples()}`);
}

/** What the user sees when answering failed: never silence, and a reference to find the log entry. */
export function errorActivity(reference: string): Partial<Activity> {
  return message(`Sorry, I could not answer that: something went wrong on my side and it has been logged (reference ${reference}). Please try again in a moment.`);
}

/** ASSISTANT_MIN_ROLE is set and the caller's role is below it. */
export function refusalActivity(role: Role, minRole: Role): Partial<Activity> {
  return message(`Sorry, asking SupportPulse for analytics needs the **${minRole}** role or higher, and yours is **${role}**. An admin can change your role.`);
}
