// The words of catalogue questions: measures (with synonyms), statistics, breakdowns, ranking
// directions, and the nouns of data the product does not hold. understand.ts combines them;
// each table is read in order and the first (most specific) phrase that matches wins its words.
import type { Dimension, Statistic } from './catalogue.ts';

/**
 * A person, not the bot: up to two words that say so ("real person", "actual live human", "proper
 * human agent") and the person ("human", "agent", "rep", "someone"); A_PERSON with an article before.
 */
const PERSON = String.raw`(?:(?:real|actual|live|proper|genuine|living|breathing|human|flesh[- ]and[- ]blood|in[- ]person)[ ,]+){0,2}(?:(?:human|person|agent|rep|representative|operator|staffer|staff member|team member)s?|someone|somebody|people|staff)`;
const A_PERSON = String.raw`(?:(?:a|an|one|some|our|the) )?${PERSON}`;
/** What a person did in a session ("a human had to handle", "a real person stepped in", "did a live agent take over"). */
const STEP_IN = String.raw`(?:handle|take over|step in|deal with|pick up|answer|reply|respond|jump in|get involved|intervene)`;
const SOMEONE = String.raw`(?:a|an) ${PERSON}`;
const A_PERSON_DID = String.raw`(?:${SOMEONE} (?:(?:had|has|needed|needs) to ${STEP_IN}|stepped in|took over|jumped in|got involved|intervened)|(?:did|does|do) ${SOMEONE} ${STEP_IN})`;
/** What a session did to end up with one ("needed", "was passed to", "ended up with", "escalated to"). */
const TO_A_PERSON = String.raw`(?:involv(?:ed|es|ing)?|needed|needs|need(?:ing)?|required|requires|requiring|ended up (?:with|needing|requiring|going to|at)|(?:went|goes|going|gone|got|get|gets|getting) (?:(?:sent|passed|handed|escalated|transferred|routed|bumped|forwarded)(?: on| over| off| up)? )?to|(?:handed|passed|escalated|transferred|routed|sent|forwarded|bumped|kicked)(?: on| over| off| up| along)? to|reached)`;

/** Measure phrases, most specific first. `human`/`bot` variants are chosen by modifiers later. */
export const MEASURE_WORDS: readonly [RegExp, string][] = [
  // the CSI's own time inputs, one value per conversation-day (before "csi" takes the word)
  [/\b(?:csi|scored) first[- ](?:response|reply)(?: times?)?\b|\bfirst[- ](?:response|reply)(?: times?)?,? ?\(?(?:the )?(?:csi|scored)(?: metric| one| input| version)?\)?(?=\s|$|[?.!,])|\bfirst[- ](?:response|reply) times? (?:per|of each) conversation[- ]days?\b/, 'firstResponseTime'],
  [/\b(?:csi|scored) (?:average |avg )?(?:response|reply) times?\b|\b(?:average |avg )?(?:response|reply) times?,? ?\(?(?:the )?(?:csi|scored)(?: metric| one| input| version)?\)?(?=\s|$|[?.!,])|\b(?:average )?(?:response|reply) times? (?:per|of each) conversation[- ]days?\b/, 'avgResponseTime'],
  // "answers of 4 or 5" is the satisfied share, before the answers are counted as responses
  [/\b(?:(?:csat|survey) )?(?:answers|responses|ratings|scores)\b(?: (?:that )?(?:were|was|are|of|rated|scored|at))? 4 (?:or|and|to|-|–) 5\b/, 'csatSatisfied'],
  // … and "what share of James's CSAT answers were satisfied": the satisfied share, James a filter
  [/(?<=(?:\b(?:share|percentage|percent|proportion|portion)|%) of [^.?]{0,40})\b(?:csat|survey) (?:answers|responses|ratings|scores)\b(?=[^.?]*\b(?:satisfied|happy|positive|good|4 or 5|4-5|4–5)\b)/, 'csatSatisfied'],
  // … said the other way round: "of Voltix's CSAT answers, what % were satisfied (4 or 5)"
  [/\b(?:csat|survey) (?:answers|responses|ratings|scores)\b(?=[^.?]*(?:%|\bpercent|\bpercentage|\bshare|\bproportion|\bfraction)[^.?]*\b(?:satisfied|happy|positive|4 or 5|4-5|4–5)\b)/, 'csatSatisfied'],
  // CSAT, what customers answered to the survey (before "csi": "customer satisfaction index" stays the CSI)
  [/\b(?:share|fraction|percentage|percent|proportion) of (?:the |our )?(?:csat |satisfaction )?surveys (?:that )?(?:got |were |was |have been |been )?(?:answered|returned|completed)\b/, 'csatResponseRate'],
  [/\b(?:csat|(?:customer )?satisfaction survey) response rates?\b|\bresponse rates? (?:of|to|for|on) (?:the |our )?(?:csat|(?:satisfaction )?surveys?)\b|\bsurvey (?:response|answer|completion) rates?\b/, 'csatResponseRate'],
  [/\b(?:got|received|were sent|was sent) (?:a |the )?(?:csat |satisfaction )?survey\b|\b(?:csat |satisfaction )?surveys?(?= (?:did|does|do|has|have) (?:[a-z]+ ){1,2}(?:get|got|receive|received|send|sent)\b(?! back| (?:an? |any )?(?:answers?|responses?|replies)\b))|\b(?:csat |satisfaction )?surveys? (?:were |was |have been |got )?(?:sent|went out|delivered|asked)\b|\b(?:sent|delivered) (?:csat |satisfaction )?surveys?\b/, 'csatSurveys'],
  [/\bsurveys? (?:did we |we |have we |that )?(?:get|got|received|had) (?:an? |any )?(?:answers?|responses?|replies) (?:for|to|on|back)?\b|\bsurveys? with (?:an? |any )?(?:answers?|responses?)\b|\bsurveys? (?:were |was |got |have been |been )answered\b|\b(?:csat |satisfaction )?surveys? (?:did we |we |have we )?(?:get|got|came|come) back\b|\b(?:csat|survey) (?:responses|answers)\b|\bsurveys? answered\b|\banswered surveys?\b|\b(?:answered|responded to|filled (?:in|out)|completed|replied to) (?:the |a |our )?(?:csat |satisfaction )?surveys?\b|\bsurvey (?:replies|returns)\b/, 'csatResponses'],
  [/(?:\b(?:share|percentage|percent|proportion)|%) of (?:our )?customers (?:who )?(?:were |are )?(?:satisfied|happy)\b|(?:\b(?:share|percentage|percent|proportion)|%) (?:of )?(?:customers |people )?(?:satisfied|happy)\b|\bsatisfied (?:%|percent(?:age)?\b|share\b|rate\b)|\bsatisfied (?:customers|share)\b|\b(?:share|percentage|percent) of satisfied\b|\bcsat (?:satisfied )?(?:share|percentage|%)|\bcsat 4[–-]5\b/, 'csatSatisfied'],
  [/\b(?:customer|customers'|star|average|avg) ratings?\b|\bratings? (?:did |do )?customers (?:give|gave)\b|\bhow satisfied (?:were|are) (?:our )?customers\b|\bcsat(?: scores?| ratings?)?\b|\bcustomer satisfaction(?: scores?| ratings?)?\b(?! index)|\bsatisfaction (?:scores?|ratings?)\b(?! index)/, 'csatScore'],
  [/\b(?:customer satisfaction index|satisfaction index|csi(?: score)?)\b/, 'csi'],
  [/\bcustomer effort(?: scores?)?\b|\bces\b|\beffort scores?\b/, 'ces'],
  [/\beffort(?: pillar)?\b/, 'effort'],
  [/\bempathy(?: pillar)?\b/, 'empathy'],
  [/\befficiency(?: pillar)?\b/, 'efficiency'],
  [/\beffectiveness(?: pillar)?\b/, 'effectiveness'],
  [/\b(?:sentiment|mood) (?:shifts?|changes?|swings?)\b/, 'sentimentShift'],
  [/\bsentiment(?: scores?)?\b|\bmood\b/, 'sentimentScore'],
  [/\bfirst[- ]contact resolution\b|\bfcr(?: scores?)?\b|\bresolved on first contact\b/, 'fcrScore'],
  // the desk's cases: before "time to resolve" (sessions) takes the words
  [/\b(?:resolv|clos)(?:e|es|ed|ing) (?:the |their |a |our )?hand[- ]?offs?\b(?=[^.?]*\b(?:fast|quick|slow)\w*)|(?<=\b(?:fast|quick|slow)\w* (?:at |to )?)(?:resolv|clos)(?:e|es|ed|ing) (?:the |their |a |our )?hand[- ]?offs?\b|\b(?:wrap(?:s|ped|ping)? up|finish(?:es|ed|ing)?|clos(?:e|es|ed|ing) out|sort(?:s|ed|ing)? out) (?:the |their |a |our )?hand[- ]?offs?\b(?=[^.?]*\b(?:fast|quick|slow)\w*)|\bhand[- ]?offs? (?:\w+ ){0,2}(?:take|took|takes|taking)\b[^.?]*\bto (?:resolve|close|be resolved|be closed)\b|\btime to (?:resolve|close) (?:a |the )?hand[- ]?offs?\b|\bhand[- ]?off (?:resolution|resolve|close) times?\b|\b(?:resolution|resolve) times? of (?:the )?hand[- ]?offs?\b|\bhow long (?:does it take |did it take |it takes )?(?:us |you |them )?(?:on average )?(?:to )?(?:resolve|close) (?:a |the |our )?hand[- ]?offs?\b|\bhow (?:quickly|fast|long) (?:are|were|do|did|does) (?:the |our )?hand[- ]?offs? (?:get )?(?:resolved|closed)\b/, 'handoffResolveTime'],
  // handoffs closed on the desk, counted (after the time to resolve one has taken its own words)
  [/\b(?:resolved|closed) hand[- ]?off(?:s| cases?)\b|\bhand[- ]?off cases? (?:were |was |got |have been )?(?:closed|resolved)\b|\bhand[- ]?offs? (?:were |was |got |have been )(?:closed|resolved)\b|(?<=\bhand[- ]?off(?:s| cases?) (?:did|has|have|does|do) (?:[a-z]+ ){1,2})(?:close|resolve|closed|resolved|wrap up|wrapped up)\b|(?<=\b(?:resolved|closed|wrapped up|resolves|closes|cleared|finished)(?: out| off)? (?:the )?(?:most|fewest|least|more|fewer) )(?:hand[- ]?off(?:s| cases?)|cases)\b|\b(?:closed|resolved) cases\b|\bcases (?:were |was |got |have been )?(?:closed|resolved)\b|\bhand[- ]?offs? (?:closed|resolved|wrapped up) by\b/, 'handoffsClosed'],
  [/\b(?:resolution|resolve|resolving) times?\b|\btime to (?:resolve|resolution)\b|\b(?:take|took|takes|taking)\b[^.?]*\bto resolve\b|(?<=\b(?:longest|shortest|fastest|slowest|quickest|long|quick|fast|slow)(?:er)? to )resolve\b/, 'resolutionTime'],
  [/\bresolution(?: scores?| achieved)?\b/, 'resolutionAchieved'],
  [/\b(?:handling|handle) (?:times?|minutes|mins|hours)\b|\baht\b|\btime spent handling\b|\btime (?:are |do |did |have )?(?:we |you |agents |they )?(?:spend|spent|spending) (?:on|per|with)\b/, 'totalHandlingTime'],
  // "first human response": the reply word is the measure, "human" is left for who replied
  [/\bfirst[- ](?:response|reply)(?: times?)?\b|(?<=\bfirst[- ](?:human|agent|bot) )(?:response|reply)(?: times?)?\b|\bfirst[- ](?:responses|replies)\b|\btime to first (?:response|reply)\b|\bfirst answers?\b|\bfrt\b/, 'firstResponse'],
  // the handoff queue as it stands ("how many handoffs are waiting", "customers waiting for an agent right now")
  [/^(?:the |our |handoff |human )?queue\s*[?.!]*$|\b(?:waiting|pending|queued|unassigned|untaken) hand[- ]?offs?\b|\bhand[- ]?offs? (?:are |is |were |was )?(?:still )?(?:sitting |left )?(?:waiting|pending|queued|unassigned|untaken|in the queue)\b|\bhand[- ]?off (?:queue|backlog)\b|\b(?:customers?|conversations?|chats?|people|who) (?:are |is )?(?:still )?waiting for (?:a |an )?(?:human|person|agent)s?\b(?! (?:repl|respon|answer|after|since|following))/, 'handoffsWaiting'],
  [/\b(?:holds|holding) (?:the |any |the most |most |fewest |the fewest )?(?:open )?hand[- ]?offs?\b|(?<=\bhand[- ]?offs? (?:is|are|does|do) [a-z]+ (?:[a-z]+ )?)(?:holding|hold|handling|working on|sitting on)\b|\b(?:hold|has|have) (?:the |any |the most |most )?(?:open )?hand[- ]?offs?\b(?=[^.?]*\b(?:now|right now|at the moment|currently)\b)|\bassigned hand[- ]?offs?\b|\bhand[- ]?offs? (?:are |is |were |was )?(?:currently |now )?(?:assigned|being handled)\b|\bhand[- ]?offs? (?:are |is )?(?:currently |now )?taken\b(?! by)|\bhand[- ]?offs? (?:are |is )(?:currently |now )?taken by\b|\b(?:conversations?|chats?|handoffs?) (?:are |is )?(?:currently |now )?assigned\b|\bassigned (?:conversations?|chats?)\b/, 'handoffsAssigned'],
  // the wait from the handoff to a human's first reply; "a human reply" is the human response time
  [/(?<=\b(?:slow|slower|slowest|fast|faster|fastest|quick|quicker|quickest|long|longer|longest|time|speed)\b[^.?]{0,30})\b(?:pick(?:s|ing)? up|take|takes|taking|grab(?:s|bing)?|get(?:s|ting)? to|respond(?:s|ing)? to) (?:a |the |their |new )?hand[- ]?offs?\b|\bpick[- ]?up (?:times?|speed|delays?|waits?)\b|\b(?:human )?wait(?:ing)?(?: times?)? (?:after|since|following) (?:the |a )?hand[- ]?offs?\b|\bhand[- ]?off wait(?:ing)?(?: times?)?\b|\bwait(?:ing)? (?:time )?for (?:a |an )?(?:human|person|agent)\b(?! (?:repl|respon|answer))(?: (?:after|since|following) (?:the |a )?hand[- ]?offs?\b)?|\bhuman wait(?:ing)?(?: times?)?\b|\b(?:time|how long) (?:to|until|before) (?:a )?human (?:picks? up|takes? over|answers?|repl(?:y|ies))\b/, 'handoffWait'],
  [/\bwait(?:ing)? for (?:a |an )?(?:human|person|agent)(?:'s)? (?:repl(?:y|ies)|responses?|answers?)\b/, 'humanResponseTime'],
  // message templates: totals kept per template (no period)
  [/\btemplate success(?: rates?)?\b|\bsuccess rate of (?:the |our )?(?:message )?templates?\b|(?<=\btemplates? (?:by|with|has|had|have|sorted by|ranked by)(?: the)?(?: highest| lowest| best| worst| top)? )success(?: rates?)?\b|\btemplates? (?:succeed(?:ed)?|accepted)\b/, 'templateSuccess'],
  [/^(?:message )?templates?\s*[?.!]*$|\btemplate (?:uses?|usage)\b|\b(?:uses?|usage) of (?:the |our )?(?:message )?templates?\b|\btemplates? (?:were |was |are |is |got |have been |been )?used\b|\b(?:canned|templated) (?:replies|answers|responses)\b/, 'templateUses'],
  [/(?<=\b(?:slow|slowest|slower|fast|fastest|faster|quick|quickest|quicker)(?:ly)? (?:to|at|in) )(?:respond|reply|answer)(?:ing|s)?\b|\b(?:response|reply|wait(?:ing)?) times?\b|\btime to (?:respond|reply|answer)\b|\bhow (?:fast|quickly|long)\b(?=[^.?]*\b(?:reply|replies|respond|answer)\b)|\bget(?:ting)? back to (?:folks|customers|people|them|users|clients)\b|\bhow responsive\b/, 'responseTime'],
  // the bot's containment said as what happened ("resolved by the bot alone"): before "conversations" takes the question
  [new RegExp(String.raw`\b(?:resolved|solved|closed) (?:by|with) (?:the |our )?(?:bot|ai|assistant)(?: alone| only| on its own| without (?:a |any )?(?:human|agent|person)s?)?\b|\b(?:handled|answered|dealt with) (?:by|with) (?:the |our )?(?:bot|ai|assistant) (?:alone|only|on its own|without (?:a |any )?(?:human|agent|person)s?)\b|\bbot[- ]only\b|\bnever (?:reached|needed|required|went to|got (?:passed |handed |escalated |sent )?to) ${A_PERSON}\b|\b(?:the |our )?(?:bot|ai|assistant) (?:handled?|handles|resolved?|resolves|solved?|solves|closed?|closes|answered|answers|dealt with) (?:[a-z]+ ){0,3}?(?:alone|on its own|by itself|without (?:a |any )?(?:human|agent|person|help)s?)\b`), 'containment'],
  [/\b(?:conversation|convo|chat)[- ]days\b/, 'conversationDays'],
  // "kept away from humans", "kept with the bot": contained, read before the sessions or chats kept
  [/\bkept\b(?=[^.?]{0,40}\b(?:away from|from reaching|off|with) (?:the |a |any )?(?:humans?|agents?|people|persons?|staff|bot|ai)\b)|\b(?:away from|from reaching) (?:the |a |any )?(?:humans?|agents?|people|persons?|staff)\b(?<=\bkept\b[^.?]{0,40})|\bwith the (?:bot|ai)\b(?<=\b(?:kept|stayed|stay|stays)\b[^.?]{0,40})/, 'containment'],
  // "conversations that had messages on 3 Dec": the conversations counted, their messages what makes them count
  [/\b(?:conversations|chats|convos|threads) (?:that |which )?(?:had|have|has|with|got|received|saw) (?:any |some |a |new )?(?:messages?|msgs|activity|traffic)\b/, 'conversations'],
  [/\bcustomer (?:messages|msgs)\b|\bmessages from customers\b|\b(?:inbound|incoming) messages\b|\bmessages (?:did |do |have )?(?:the )?customers (?:send|sent|write|wrote)\b|(?<=\bcustomers (?:did |do )?)(?:write|wrote|message|messaged|contact(?:ed)?|reach(?:ed)? out|send|sent)\b(?! (?:to )?(?:us )?about\b)/, 'customerMessages'],
  [/\bmessages\b|\bmsgs\b|\bmessage (?:volume|count)\b/, 'messages'],
  [/\bconversations\b|\bchats\b|\bconvos\b|\bthreads\b|\bconversation (?:volume|count)\b/, 'conversations'],
  [/\bhand[- ]?off rates?\b|\bescalation rates?\b|\b(?:hand[- ]?off|escalation) ?(?:%|percent(?:age)?s?\b)/, 'handoffRate'],
  [/\bcontainment(?: rates?)?\b|\bcontained\b|\bbot contain(?:s|ed|ing)?\b|\bdeflection(?: rates?)?\b/, 'containment'],
  [/\bhand[- ]?offs?\b|\bhands (?:off|over)\b|\bescalations?\b|(?<=\b(?:were|was|got|get|gets|been|being|are|is|sessions|chats|conversations) )handed (?:off|over)\b(?! to)|(?<=\b(?:were|was|got|get|gets|been|being|are|is|sessions|chats|conversations) )escalated\b(?! to)/, 'handoffs'],
  // "needed a real person", "went to a live agent", "a human had to handle": a handoff in other words
  [new RegExp(String.raw`\b${TO_A_PERSON} ${A_PERSON}(?: (?:help|support|assistance|intervention))?\b|\b${A_PERSON_DID}\b`), 'handoffs'],
  [/\b(?:qa |review )coverage\b|\b(?:share|percentage|percent|proportion|fraction|%|rate)\s+of\s+(?:the\s+|all\s+|our\s+|[a-z]+'s\s+)?(?:ai\s+|bot\s+|qa\s+)?sessions\s+(?:that\s+|which\s+)?(?:were\s+|was\s+|have\s+been\s+|has\s+been\s+|got\s+|are\s+)?(?:reviewed|checked|qa'?d)\b(?!\s+by\b)|\b(?:how many|what)\s+(?:%|percent|share|proportion|fraction)\s+of\s+(?:the\s+|all\s+|our\s+|[a-z]+'s\s+)?(?:ai\s+|bot\s+|qa\s+)?sessions\s+(?:were|was|have\s+been|got|are)\s+(?:reviewed|checked|qa'?d)\b(?!\s+by\b)/, 'reviewCoverage'],
  [/\b(?:qa )?issue rates?\b|\b(?:share|percentage|percent|proportion|fraction)\s+of\s+(?:the\s+|all\s+|our\s+)?(?:qa\s+|reviewed\s+)?sessions\s+(?:that\s+|which\s+)?(?:had|have|has|with|got|showed)\s+(?:a\s+|an\s+|any\s+)?(?:qa\s+)?issues?\b/, 'issueRate'],
  [/\b(?:qa|scorecard) categor(?:y|ies) scores?\b|\bcategory scores?\b|\bscoring (?:qa |scorecard )?categor(?:y|ies)\b|\bscores? (?:per|by|for each) (?:qa |scorecard )?categor(?:y|ies)\b/, 'qaCategoryScore'],
  [/\bqa (?:average |avg |mean )?scores?\b|\bscorecard scores?\b|\breview scores?\b|\bquality scores?\b/, 'qaScore'],
  // scorecard reviews made (a QA change is any state change, a developer's fix included)
  [/\bscorecard (?:reviews?|evaluations?|assessments?)\b|\bscorecards? (?:filled(?: in| out)?|done|completed|submitted|made)\b|\bscorecards\b/, 'scorecardReviews'],
  [/\b(?:reviewer )?alignment\b|\bcalibration (?:agreement|scores?)\b|\baligned\b/, 'reviewerAlignment'],
  [/\bqa (?:changes|work|reviews|activity)\b|\breviews?\b(?! queue)|\bchanges? made\b/, 'reviews'],
  // the sessions QA reviews are those the AI took part in
  [/\bqa sessions\b|\bsessions? (?:in|for|under|awaiting) (?:qa|review)\b|\b(?:ai|bot)[- ](?:engaged |involved )?sessions\b|\bsessions? (?:with|involving) (?:the )?(?:ai|bot)\b/, 'qaSessions'],
  // "sessions given a QA state": the docs' own words for the sessions reviewed in the period
  [/\b(?:ai |bot )?sessions? (?:that |which )?(?:got|get|gets|were given|was given|given|with|having|received|receiving) (?:a |an |any )?(?:qa )?(?:state|status)(?:es)?\b/, 'reviewedSessions'],
  [/\bsessions\b|\bepisodes\b/, 'sessions'],
  [/(?<!\b(?:by|per|each|every|across) )\btopics?\b|\breasons? (?:for|of) contact\b|\bwhat (?:do |did |were |are )?customers(?= (?:ask|write|message|complain|talk)(?:s|ed|ing)? (?:to )?(?:us )?about\b)|\bclassifications?\b/, 'topics'],
];

/**
 * The words that leave out what follows ("except", "barring", "leave out", "setting aside"): a
 * vocabulary of its own, each word taking the same "the ones" clause after it (LEAVE_OUT below).
 */
const LEAVE_OUT_WORDS = [
  'except(?:ing)?', 'excluding', 'excl\\.?', 'exclude[sd]?', 'w/o', 'without', 'sans', 'other than', 'apart from', 'aside from',
  'besides', 'but not', 'minus', 'barring', 'bar(?! (?:charts?|graphs?|plots?)\\b)', 'not counting', 'not including', 'discounting', 'ignor(?:e|ing)', 'disregard(?:ing)?',
  'skip(?:ping)?', 'omit(?:ting)?', 'remov(?:e|ing)', '(?:leav(?:e|ing)|left) (?:out|aside|off)', '(?:set|setting|put|putting|lay|laying) aside',
  '(?:tak(?:e|ing)|filter(?:ing)?|strip(?:ping)?|cut(?:ting)?) out',
];

/** What is left out said as what was done to it ("those that were picked up by", "the ones grabbed by"), for any verb. */
const ONES = String.raw`(?:those|these|the ones|ones|whatever|anything|what)(?: (?:that|which|who))?(?: (?:were|was|are|is|got|get|have been|has been|had been|been|being))?`;
const DONE_BY = String.raw`(?:(?: for)? ${ONES}(?: (?!(?:by|for|on|from|in)\b)[a-z]+(?: (?:up|over|off|out|on|in))?)? (?:by|for|on|from)| ${ONES}| for| on| by| from)?`;

/**
 * Words that leave out what follows ("except Voltix", "excl. weekends", "w/o the bot", "leaving
 * aside those James took", "minus the ones grabbed by Fatima"); a regex source. What is left out
 * after a verb ("leave Voltix out") is leavesOut's.
 */
export const LEAVE_OUT = String.raw`(?:not about|(?:were|was|are|is)n't about|(?:were|was|are|is) not about|(?:${LEAVE_OUT_WORDS.join('|')})${DONE_BY}|not for|not on|not in|not (?:(?:been|yet|ever) )?(?:[a-z]+ )?(?:up |over |off )?by|not (?:[a-z]+ed |sent )?from|(?:everyone|everybody|everything|anyone|all(?: (?:the )?(?:pages|brands|shops|stores|agents|reviewers|topics|days))?|every (?:page|brand|shop|store|agent|reviewer|topic|day)) but)`;

/** "leave Voltix out", "set the bot aside", "count James out": the verb before and its particle after what is left out. */
export const LEFT_OUT_VERB = String.raw`(?:leav(?:e|ing)|left|keep(?:ing)?|kept|set(?:ting)?|put(?:ting)?|count(?:ing)?|tak(?:e|ing)|cut(?:ting)?)`;
export const LEFT_OUT_PARTICLE = String.raw`(?:out|aside)`;

/** Whether `target` (a regex source) is left out in `text`: after a leave-out word, inside "leave … out", or as "non-". */
export function leavesOut(target: string, text: string, before = String.raw`(?:the\s+|our\s+)?`): boolean {
  return new RegExp(`(?:\\b${LEAVE_OUT}\\s+${before}|\\bnon-\\s*)(?:${target})|\\b${LEFT_OUT_VERB}\\s+${before}(?:${target})\\s+${LEFT_OUT_PARTICLE}\\b`).test(text);
}

/** Data the product does not hold: any of these makes the question a refusal, never a nearby figure. */
export const NOT_HELD =
  /\b((?:new|returning|repeat|first[- ]time|loyal|vip) customers?|order values?|out of stock|sick (?:days|leave)|sign(?:ed)?[- ]?ups?|signed up|customers? (?:did we |we )?(?:lose|lost)|refunds?|revenue|money|sales|orders|purchases|profits?|margins?|costs?|(?<!\btime (?:are |do |did |have )?(?:we |you |agents |they )?)spend(?:ing)?|churn(?:ed)?|customers? (?:leaving|lost|who left|left|we lost|that left)|lost customers|cancell?ations?|nps|net promoter|conversion(?: rates?)?|baskets?|carts?|invoices?|payments?|discounts?|lifetime value|ltv|stock levels?|inventory|deliveries|shipping costs?|tickets? closed|emails? sent|phone calls?|calls)\b/;

export const STATISTIC_WORDS: readonly [RegExp, Statistic][] = [
  [/\bmedian\b|\btypical(?:ly)?\b|\bp50\b|\b50(?:th)? ?(?:%|percent)?(?:ile| percentile)\b/, 'median'],
  [/\bp90\b|\b90(?:th)? ?(?:%|percent)?(?:ile| percentile)\b/, 'p90'],
  [/\baverage\b|\bavg\b|\bmean\b/, 'mean'],
  [/\bminimum\b|\bmin\b/, 'min'],
  [/\bmaximum\b|\bmax\b|\bpeak\b/, 'max'],
  [/\bshare\b|\bpercentage\b|\bpercent\b|\bproportion\b|\bportion\b|\bfraction\b|\bratio\b|%|\bhow much of\b(?=[^.?]*\b(?:were|was|are|is)\b)/, 'share'],
  [/\bin total\b|\btotal\b|\bsum\b/, 'sum'],
  [/\bhow many\b|\bnumber of\b|\bcount\b|\bvolume\b/, 'count'],
];

/** Percentiles the catalogue does not offer: named so the answer can refuse rather than substitute. */
export const OTHER_PERCENTILE = /\bp(?!90\b|50\b)(\d{2})\b|\b(?!90|50)(\d{2})(?:th)? percentile\b/;

export const DIMENSION_WORDS: readonly [RegExp, Dimension][] = [
  [/\bqa (?:state|status)(?:es)?\b|\bstate\b|\bstatus\b/, 'qa_state'],
  [/\bpages?\b|\bbrands?\b|\bshops?\b|\bstores?\b/, 'page'],
  [/\breviewers?\b|\bqa (?:persons?|people|folks?|team members?|members?|colleagues?|staff|analysts?)\b/, 'reviewer'],
  [/\bagents?\b|\bpeople\b|\bstaff\b/, 'agent'],
  [/\b(?:qa|scorecard) categor(?:y|ies)\b/, 'qa_category'],
  [/\btopics?\b|\bcategor(?:y|ies)\b|\bclassifications?\b/, 'topic'],
  [/\bhours?(?: of (?:the )?day)?\b|\btimes? of (?:the )?day\b/, 'hour'],
  [/\bweekdays?\b|\bdays? of (?:the )?week\b/, 'weekday'],
  [/\bdays?\b|\bdates?\b/, 'day'],
  [/\bweeks?\b/, 'week'],
  [/\bmonths?\b/, 'month'],
  [/\bsenders?\b|\bkinds? of senders?\b|\bsender (?:kinds?|types?)\b|\bwho (?:sent|wrote)\b/, 'sender'],
];

export const ADVERB_GROUPS: readonly [RegExp, Dimension][] = [
  [/\bdaily\b|\bday (?:by|over|on) day\b|\bper day\b|\beach day\b|\bevery day\b/, 'day'],
  [/\bweekly\b|\bweek (?:by|over|on) week\b|\bper week\b|\beach week\b/, 'week'],
  [/\bmonthly\b|\bmonth (?:by|over|on) month\b|\bper month\b|\beach month\b/, 'month'],
  [/\bhourly\b|\bper hour\b|\bhour by hour\b|\btime of (?:the )?day\b/, 'hour'],
];

export type Direction = 'desc' | 'asc' | 'best' | 'worst';

export const DIRECTION_WORDS: readonly [RegExp, Direction][] = [
  [/\bbest\b|\bstrongest\b/, 'best'],
  [/\bworst\b|\bweakest\b/, 'worst'],
  [/\bmost busy\b|\bhighest\b|\bmost\b|\bbiggest\b|\blargest\b|\bgreatest\b|\blongest\b|\bslowest\b|\bbusiest\b|\btop\b|\bmore\b/, 'desc'],
  [/\bleast busy\b|\blowest\b|\bleast\b|\bfewest\b|\bsmallest\b|\bshortest\b|\bfastest\b|\bquickest\b|\bquietest\b|\bbottom\b|\bfewer\b(?=[^.?]*\bthan\b)/, 'asc'],
];

export const QA_STATE_WORDS: readonly [RegExp, string][] = [
  [/\bunchecked\b|\bunreviewed\b|\b(?:not|never)(?: yet| been| ever)* reviewed\b|\bwaiting for (?:qa|review)\b/, 'unchecked'],
  [/(?<!\bnot |n't |\bnot been |n't been |\bnever )\bpass(?:ed|es)?\b/, 'passed'],
  [/\bfix(?:ed|es)?\b/, 'fixed'],
  // a review that failed found an issue: the workflow's word for it
  [/\bmark(?:s|ed|ing)? (?:[a-z]+ )?as (?:an? )?issues?\b|\bissues?\b|\bflag(?:s|ged|ging)?\b|\bfail(?:ed|s|ing|ures?)?\b|\b(?:did|does|do)(?: not|n't) pass(?:ed|es)?\b|\b(?:not|n't)(?: been)? passed\b/, 'issue'],
  // reviewed but "not passed": an issue found, fixed since or not
  [/\b(?:not|n't)(?: been)? passed\b/, 'fixed'],
];

export const HUMAN_WORDS = /\bhumans?\b|\bagents?\b|\bstaff\b|\bpeople\b|\bpersons?\b|\bteam\b/;
export const BOT_WORDS = /\bbots?\b|\bai\b|\bautomated\b|\bassistant\b/;

/** "human" or "bot" said outright: named back when the measure is not split by who replied. */
export const REPLIER_NAMED = /\bhumans?\b|\bbots?\b|\bai\b|\bautomated\b/;

/** QA states said as changes ("how many fixes", "sessions passed"): QA changes when no other measure is named. */
export const QA_CHANGE_WORDS = /\b(?:fixes|fixed|passes|passed|flag(?:s|ged)?|qa issues?)\b/;

export const CHART_WORDS = /\b(?:chart|graph|plot|visuali[sz]e|draw)\b/;
export const TREND_WORDS = /\btrend(?:s|ing)?\b|\bover time\b|\bevolution\b|\bdevelop(?:ed|ment)\b/;

/** "and", "now", "what about": a follow-up that changes slots of the previous question. */
export const FOLLOW_UP = /^(?:and|now|what about|how about|same (?:for|but)|then|ok,? (?:and|now)|also)\b|^(?:by|per|for|only|just|in|on|the)\b/;

/**
 * A threshold on a figure ("within an hour", "below 50", "more than once", "at least 3 times"):
 * figures here are totals, averages, percentiles and shares over the whole period, so a question
 * about what falls above or below a value is refused, never answered with the figure itself.
 */
export const THRESHOLD =
  /\b(?:(?:more|fewer|less|longer|shorter|higher|lower|greater|bigger|smaller|faster|slower|quicker) than|at least|at most|no more than|no less than|under|over|above|below|within|exceed(?:ed|ing|s)?|hit|reach(?:ed)?|beat|meet|met)\s+(?:(?:\d+(?:[.,]\d+)?)\s*(?:%|percent|pts?|points?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|times|messages?|replies|stars?)?|(?:an?|one|two|three|four|five|ten|twenty|thirty) (?:hour|minute|second|day|week|message|repl(?:y|ie))s?|once|twice)(?![\w-])|(?<=\b(?:csi|csat|scores?|ratings?|sentiment|ces|empathy|effort|efficiency|effectiveness)(?: (?:was|is|were|of))? )between \d+(?:[.,]\d+)? and \d+(?:[.,]\d+)?\b(?! ?(?:am|pm|st|nd|rd|th|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))/;

/** Change words: with a breakdown ("which page had the biggest drop") the groups are ranked by their change. */
export const CHANGE_WORDS: readonly [RegExp, 'down' | 'up' | 'better' | 'worse'][] = [
  [/\b(?:drops?|dropped|dropping|fell|falls?|falling|declines?|declined|declining|decreases?|decreased|decreasing|dips?|dipped|slumped|(?:go|goes|going|went|gone) down)\b/, 'down'],
  [/\b(?:rises?|rose|rising|increases?|increased|increasing|grew|growth|grows?|climbed|climbs?|jumped|(?:go|goes|going|went|gone) up)\b/, 'up'],
  [/\b(?:improve[sd]?|improving|improvements?|(?:get|gets|getting|got|gotten) better|gains?|gained)\b/, 'better'],
  [/\b(?:worsen(?:ed|ing|s)?|deteriorat(?:ed|ing|ion)|(?:get|gets|getting|got|gotten) worse|slipped)\b/, 'worse'],
];

/** Volume words without a measure ("the busiest hour", "how busy were we"): conversations. */
export const BUSY_WORDS = /\b(?:busiest|quietest|busier|quieter|busy|quiet|most active|least active)\b/;

/** Speed words without a measure ("the 3 slowest agents", "who is fastest") ask about response time. */
export const SPEED_WORDS = /\b(?:slow|fast|quick)(?:est|er|ly)?\b(?! (?:numbers|question|one|look|summary|update|check|overview|recap|rundown|snapshot|stats|figures|read)\b)/;

/** "who": the people behind a figure — QA reviewers when the question is about reviews, else agents. */
export const WHO = /\bwho\b/;
/** "who" asked, not the relative "who" of "the ones who were handled by James". */
export const WHO_ASKED = /(?<!\b(?:those|these|ones|the one|anyone|anybody|everyone|everybody) )\bwho(?:se)?\b/;

/** Words that say a period was meant; when no period could be read from them, the question is refused. */
export const PERIOD_CUES =
  /\b(?:years?|months?|weeks?|quarters?|fortnights?|seasons?|summer|winter|spring|autumn|holidays?|christmas|easter|black friday|new year|since|until|till|during|ago|tomorrow|tonight|morning|afternoon|evening|overnight|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/;

/** "right now": what stands at this moment, which a count over a period is not. */
export const NOW_CUES =
  /\b(?:right now|at the moment|currently|as of now|at present|as it stands|(?:are|is) there (?:right )?now|still (?:open|waiting|pending)|(?:are|is) (?:still )?(?:waiting|open|pending|queued|unassigned|assigned|happening|ongoing|active|live))\b/;

/** Breakdowns people ask for that the catalogue has no dimension for (ratios per unit included). */
export const NO_DIMENSION =
  /\b(?:per|by|for each|for every|each|which|across)\s+(customers?|conversations?|chats?|sessions?|messages?|users?|tickets?|channels?|countr(?:y|ies)|languages?|products?|regions?|cit(?:y|ies)|devices?|orders?|visitors?|templates?)\b/;

/** "compared to usual": the period before, said as such in the answer. */
export const USUAL = /^\s*(?:the )?(?:usual|normal|normally|usually|before)\b/;

/** "the #1 topic", "number one page": a which-question for the winner. */
export const NUMBER_ONE = /#1\b|\bnumber one\b|\bno\.? ?1\b/g;

/** A lead-in that carries the previous question's slots over to a new measure ("and the response times?"). */
export const FOLLOW_ON = /^(?:and|now|what about|how about|same (?:for|but)|ok,? (?:and|now)|also)\b|\binstead\s*[?.!]*$/;

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
