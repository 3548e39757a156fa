/** PagerDuty sink: findings as Events API v2 trigger events. */
export { pagerdutySinkSpec, PagerDutySinkConfig } from './spec.ts';
export { PagerDutySink, pagerDutyEvent, PAGERDUTY_EVENTS_URL } from './sink.ts';
