"""The customer-support domain: tickets, satisfaction, agents, chats and the knowledge base."""
from __future__ import annotations

import numpy as np

from demo import fake
from demo.mesh._build import amount, cat, conform, count, key, pii, ref, table, text, ts, weeks_before
from demo.spec import Col, DomainSpec, Port, Product

DOMAIN = DomainSpec(
    "customer-support", "Customer support",
    "How we help customers: tickets across every channel, satisfaction surveys, agent performance, "
    "chat transcripts and the help-centre articles.",
    "#support-insights",
)
TICKET_CHANNELS = ("email", "chat", "phone", "web_form")
PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_CATEGORIES = ("delivery", "returns", "payment", "product_question", "account", "complaint")
AGENTS, PERFORMANCE_WEEKS = 60, 52

TICKET_COLUMNS = (
    key("ticket_id", "Ticket number."),
    ref("customer_id", "Customer who raised the ticket (sales.customers)."),
    ref("order_id", "Order the ticket is about, if any (sales.orders).", required=False),
    ts("opened_ts", "When the ticket was opened"),
    ts("closed_ts", "When the ticket was closed; empty while open", required=False),
    cat("channel", "Contact channel.", TICKET_CHANNELS),
    cat("priority", "Triage priority.", PRIORITIES),
    cat("category", "Topic.", TICKET_CATEGORIES),
    cat("status", "Ticket state.", ("open", "pending", "solved", "closed")),
    ref("agent_id", "Assigned agent."),
    count("first_response_minutes", "Minutes until the first agent reply."),
)


def tickets(ctx):
    n, rng = ctx.rows("customer-support.tickets"), ctx.rng("customer-support.tickets")
    opened = fake.timestamps(rng, n, ctx.anchor, 365)
    status = fake.choice(rng, ["open", "pending", "solved", "closed"], n, p=[0.05, 0.05, 0.2, 0.7])
    closed = np.minimum(opened + (rng.exponential(30, n) * 3600).astype("timedelta64[s]"), ctx.anchor)
    no_order = np.flatnonzero(rng.random(n) < 0.3)
    return table(
        TICKET_COLUMNS, ticket_id=fake.ids(n, start=700_001), customer_id=rng.integers(1, ctx.rows("sales.customers") + 1, n),
        order_id=fake.with_nulls(rng.integers(100_001, 100_001 + ctx.rows("sales.orders"), n), no_order),
        opened_ts=opened, closed_ts=fake.with_nulls(closed.astype("datetime64[us]"), np.flatnonzero(np.isin(status, ["open", "pending"]))),
        channel=fake.choice(rng, TICKET_CHANNELS, n, p=[0.4, 0.35, 0.15, 0.1]),
        priority=fake.choice(rng, PRIORITIES, n, p=[0.25, 0.55, 0.15, 0.05]), category=fake.choice(rng, TICKET_CATEGORIES, n),
        status=status, agent_id=rng.integers(1, AGENTS + 1, n), first_response_minutes=rng.geometric(1 / 90, n),
    )


CSAT_COLUMNS = (
    key("response_id", "Survey response id."),
    ref("ticket_id", "Rated ticket (customer-support.tickets)."),
    ref("customer_id", "Respondent (sales.customers)."),
    Col("score", "integer", "BIGINT", "Satisfaction, 1 (very unhappy) to 5 (very happy).", required=True,
        valid_values=(1, 2, 3, 4, 5)),
    text("comment", "Free-text comment, may mention names or order numbers."),
    ts("responded_ts", "When the survey was answered"),
)


def csat(ctx):
    n, rng = ctx.rows("customer-support.csat"), ctx.rng("customer-support.csat")
    score = fake.choice(rng, [1, 2, 3, 4, 5], n, p=[0.06, 0.07, 0.15, 0.32, 0.4])
    comments = np.array(["Quick and friendly.", "Took too long.", "Problem solved, thanks!", "Still waiting for my refund.",
                         "Agent was very helpful.", "Had to explain twice."])
    no_comment = np.flatnonzero(rng.random(n) < 0.6)
    return table(
        CSAT_COLUMNS, response_id=fake.ids(n), ticket_id=rng.integers(700_001, 700_001 + ctx.rows("customer-support.tickets"), n),
        customer_id=rng.integers(1, ctx.rows("sales.customers") + 1, n), score=score,
        comment=fake.with_nulls(fake.choice(rng, comments, n), no_comment), responded_ts=fake.timestamps(rng, n, ctx.anchor, 365),
    )


AGENT_COLUMNS = (
    Col("agent_id", "integer", "BIGINT", "Agent.", required=True, pk=True),
    Col("week", "date", "DATE", "Monday of the ISO week.", required=True, pk=True),
    count("tickets_solved", "Tickets closed or solved in the week."),
    amount("median_first_response_minutes", "Median first response time; 0 without tickets."),
    amount("average_csat", "Mean survey score of the week's tickets; empty without responses.", required=False),
)


def agent_performance(ctx):
    weeks = weeks_before(ctx.anchor, PERFORMANCE_WEEKS)
    return conform(AGENT_COLUMNS, ctx.query(
        """
        WITH grid AS (
            SELECT a AS agent_id, CAST(w AS DATE) AS week
            FROM range(1, CAST($agents AS BIGINT) + 1) AS g(a),
                 range(CAST($first AS DATE), CAST($end AS DATE), INTERVAL 7 DAY) AS r(w)
        ), t AS (
            SELECT ticket_id, agent_id, CAST(date_trunc('week', opened_ts) AS DATE) AS week, status,
                   first_response_minutes FROM tickets
        ), s AS (
            SELECT t.agent_id, t.week, avg(c.score) AS average_csat FROM csat c JOIN t USING (ticket_id) GROUP BY ALL
        )
        SELECT g.agent_id, g.week, count(t.ticket_id) FILTER (WHERE t.status IN ('solved', 'closed')) AS tickets_solved,
               coalesce(median(t.first_response_minutes), 0) AS median_first_response_minutes,
               round(any_value(s.average_csat), 3) AS average_csat
        FROM grid g LEFT JOIN t USING (agent_id, week) LEFT JOIN s USING (agent_id, week)
        GROUP BY ALL ORDER BY g.agent_id, g.week
        """,
        {"agents": AGENTS, "first": str(weeks[0]), "end": str(weeks[-1] + 7)},
        tickets=ctx.table("customer-support.tickets"), csat=ctx.table("customer-support.csat"),
    ))


ARTICLE_COLUMNS = (
    key("article_id", "Help-centre article id."),
    text("title", "Article title.", required=True),
    cat("category", "Help-centre section.", TICKET_CATEGORIES),
    cat("language", "Language of the article.", ("en", "de", "fr", "es", "nl")),
    count("views_30d", "Views in the last 30 days."),
    count("helpful_votes_30d", "'Was this helpful? Yes' votes in the last 30 days."),
    ts("updated_ts", "Last edit"),
)


def knowledge_base_articles(ctx):
    n, rng = ctx.rows("customer-support.knowledge_base_articles"), ctx.rng("customer-support.knowledge_base_articles")
    category = fake.choice(rng, TICKET_CATEGORIES, n)
    views = rng.geometric(1 / 800, n)
    return table(
        ARTICLE_COLUMNS, article_id=fake.ids(n), title=np.char.add("How to: ", np.char.replace(category, "_", " ")),
        category=category, language=fake.choice(rng, ["en", "de", "fr", "es", "nl"], n), views_30d=views,
        helpful_votes_30d=(views * rng.uniform(0, 0.1, n)).astype(np.int64), updated_ts=fake.timestamps(rng, n, ctx.anchor, 900),
    )


TRANSCRIPT_COLUMNS = (
    key("message_id", "Chat message id."),
    ref("ticket_id", "Ticket the chat belongs to (customer-support.tickets)."),
    ts("sent_ts", "When the message was sent"),
    cat("sender", "Who wrote the message.", ("customer", "agent", "bot")),
    pii("customer_name", "Display name of the customer in the chat.", required=True),
    pii("message", "Message text; may contain addresses, phone numbers and order details.", required=True),
)


def chat_transcripts(ctx):
    n, rng = ctx.rows("customer-support.chat_transcripts"), ctx.rng("customer-support.chat_transcripts")
    lines = np.array(["Hi, where is my parcel?", "Can I change my delivery address?", "Let me check that for you.",
                      "Your refund was issued today.", "Please call me back on my mobile.", "Thanks, that helps!"])
    return table(
        TRANSCRIPT_COLUMNS, message_id=fake.ids(n), ticket_id=np.sort(rng.integers(700_001, 700_001 + ctx.rows("customer-support.tickets"), n)),
        sent_ts=fake.timestamps(rng, n, ctx.anchor, 180), sender=fake.choice(rng, ["customer", "agent", "bot"], n, p=[0.5, 0.4, 0.1]),
        customer_name=fake.full_names(rng, n)[2], message=fake.choice(rng, lines, n),
    )


PRODUCTS = (
    Product(
        "customer-support", "tickets", "Support tickets",
        "Every support ticket across e-mail, chat, phone and web form.",
        "Tickets from the help desk, **one row per ticket**.\n\n"
        "- `closed_ts` is empty while a ticket is open or pending\n"
        "- priorities follow the [triage guide](https://wiki.example.com/support/triage)\n",
        "Volumes, backlog and response times; join csat on `ticket_id`.",
        ("tickets", "support", "service"),
        (Port("tickets", "parquet", "Tickets as Parquet.", TICKET_COLUMNS, latency=(24, "h"), latency_element="opened_ts"),),
        rows=40_000, quick_rows=1_500, generate=tickets, inputs=("sales.customers", "sales.orders"),
    ),
    Product(
        "customer-support", "csat", "Customer satisfaction",
        "Post-ticket satisfaction survey responses (CSAT, 1–5).",
        "Survey answers sent after a ticket is solved.\n\n- about 40% of responses carry a comment\n",
        "CSAT per agent, channel and category.",
        ("csat", "survey", "service"),
        (Port("csat", "csv", "Survey responses as CSV.", CSAT_COLUMNS, latency=(1, "d")),),
        rows=15_000, quick_rows=600, generate=csat, inputs=("customer-support.tickets", "sales.customers"),
    ),
    Product(
        "customer-support", "agent_performance", "Agent performance",
        "Weekly solved tickets, response times and CSAT per agent.",
        "Weekly scorecard built from **tickets** and **CSAT**.\n\n"
        "- one row per agent and week, for the last 52 weeks\n- used in coaching, not for pay\n",
        "Team leads' weekly review.",
        ("agents", "kpi", "service"),
        (Port("agent_performance", "csv", "Scorecard as CSV.", AGENT_COLUMNS, latency=(7, "d"),
              sql_rules=(("csat_in_range", "SELECT COUNT(*) FROM {object} WHERE average_csat NOT BETWEEN 1 AND 5",
                          "mustBe", 0),)),),
        rows=AGENTS * PERFORMANCE_WEEKS, quick_rows=AGENTS * PERFORMANCE_WEEKS, generate=agent_performance,
        inputs=("customer-support.tickets", "customer-support.csat"), visibility="internal",
    ),
    Product(
        "customer-support", "knowledge_base_articles", "Help-centre articles",
        "Help-centre articles with views and helpfulness votes.",
        "The self-service help centre.\n\n- five languages\n- votes from the *Was this helpful?* widget\n",
        "Find articles that deflect tickets, and ones that need rewriting.",
        ("help-centre", "content"),
        (Port("knowledge_base_articles", "csv", "Articles as CSV.", ARTICLE_COLUMNS, latency=(1, "d")),),
        rows=2_500, quick_rows=150, generate=knowledge_base_articles,
    ),
    Product(
        "customer-support", "chat_transcripts", "Chat transcripts",
        "Messages of live-chat conversations between customers, agents and the bot.",
        "Raw chat messages.\n\n- **restricted**: free text full of personal data\n"
        "- retention 180 days, see the [retention schedule](https://wiki.example.com/legal/retention)\n",
        "Quality reviews and bot training, with approval.",
        ("chat", "transcripts", "nlp"),
        (Port("chat_transcripts", "parquet", "Messages as Parquet.", TRANSCRIPT_COLUMNS, latency=(1, "d")),),
        rows=50_000, quick_rows=1_200, generate=chat_transcripts, inputs=("customer-support.tickets",),
        visibility="restricted", limitations="Personal data in free text; pseudonymise before any analysis.",
    ),
)
