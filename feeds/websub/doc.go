// Package websub is the subscriber side of WebSub (the W3C recommendation
// that succeeded PubSubHubbub): feeds that announce a hub (see
// feeds.DiscoverHub) push their updates to Aajil instead of waiting to be
// polled.
//
//   - Subscribe and Unsubscribe send a hub its subscription requests.
//   - Handler is the callback: it answers the hubs' verifications of
//     intent and takes their signed content deliveries (X-Hub-Signature),
//     which it parses like a poll of the source and hands to the pipeline.
//   - Manager, run by the holder of one lease among the instances,
//     subscribes the sources with a hub, renews leases before they end and
//     unsubscribes sources removed, paused or re-pointed.
//   - Discovery records, from every poll, what hub a source announces.
//   - Health tells the scheduler which sources are pushed (verified, lease
//     not lapsed, recently heard from), to poll them at a slower interval.
//
// Every subscription, with its secret, is kept in Redis (package store),
// so any instance can verify a delivery.
package websub
