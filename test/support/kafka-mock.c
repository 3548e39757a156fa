/* Origin: copied from the project's shared test-services reference (kafka-mock.c), 2026-11-23.
 * Built by test/support/prepare.sh into .sluice/test-bin/kafka-mock; driven by test/support/kafka-mock.ts. */
/* mockkafka: librdkafka mock cluster launcher.
 * usage: mockkafka [--brokers N] [--topic name:partitions[:rf]]... [--rtt ms]
 * prints "BOOTSTRAP <list>" on stdout, then reads control commands on stdin:
 *   down <id|-1> | up <id|-1> | rtt <id|-1> <ms> | leader <topic> <part> <id>
 *   err <apikey> <code> [code...]   (cluster-wide request error stack)
 *   berr <id> <apikey> <code> <rtt_ms>  (one broker-specific error)
 *   clear <apikey> | topic <name> <parts> <rf> | coord group|transaction <key> <id>
 *   quit
 * --no-stdin: ignore stdin, run until SIGTERM/SIGINT.
 * each command answers "ok" or "err <msg>". Exits on quit, stdin EOF, SIGTERM, SIGINT.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t run = 1;
static void stop(int sig) { (void)sig; run = 0; }

int main(int argc, char **argv) {
        int brokers = 3, rtt = -1, i, nostdin = 0;
        char errstr[512];
        const char *topics[64];
        int ntopics = 0;
        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) brokers = atoi(argv[++i]);
                else if (!strcmp(argv[i], "--topic") && i + 1 < argc && ntopics < 64) topics[ntopics++] = argv[++i];
                else if (!strcmp(argv[i], "--rtt") && i + 1 < argc) rtt = atoi(argv[++i]);
                else if (!strcmp(argv[i], "--no-stdin")) nostdin = 1;
                else { fprintf(stderr, "bad arg %s\n", argv[i]); return 2; }
        }
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) { fprintf(stderr, "rd_kafka_new: %s\n", errstr); return 1; }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) { fprintf(stderr, "mock_cluster_new failed\n"); return 1; }
        if (rtt >= 0) rd_kafka_mock_broker_set_rtt(mc, -1, rtt);
        for (i = 0; i < ntopics; i++) {
                char name[256]; int parts = 1, rf = brokers < 3 ? brokers : 3;
                char *c = strchr(topics[i], ':');
                if (!c) { snprintf(name, sizeof(name), "%s", topics[i]); }
                else {
                        snprintf(name, sizeof(name), "%.*s", (int)(c - topics[i]), topics[i]);
                        sscanf(c + 1, "%d:%d", &parts, &rf);
                }
                rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, parts, rf);
                if (e) { fprintf(stderr, "topic_create %s: %s\n", name, rd_kafka_err2str(e)); return 1; }
        }
        signal(SIGTERM, stop); signal(SIGINT, stop); signal(SIGPIPE, SIG_IGN);
        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);

        if (nostdin) while (run) pause();
        char line[1024];
        while (run && fgets(line, sizeof(line), stdin)) {
                char cmd[32] = "", a[256] = "";
                int x = 0, y = 0, z = 0, n;
                rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
                if (sscanf(line, "%31s", cmd) != 1) continue;
                if (!strcmp(cmd, "quit")) break;
                else if (!strcmp(cmd, "down") && sscanf(line, "%*s %d", &x) == 1) e = rd_kafka_mock_broker_set_down(mc, x);
                else if (!strcmp(cmd, "up") && sscanf(line, "%*s %d", &x) == 1) e = rd_kafka_mock_broker_set_up(mc, x);
                else if (!strcmp(cmd, "rtt") && sscanf(line, "%*s %d %d", &x, &y) == 2) e = rd_kafka_mock_broker_set_rtt(mc, x, y);
                else if (!strcmp(cmd, "leader") && sscanf(line, "%*s %255s %d %d", a, &x, &y) == 3) e = rd_kafka_mock_partition_set_leader(mc, a, x, y);
                else if (!strcmp(cmd, "topic") && sscanf(line, "%*s %255s %d %d", a, &x, &y) == 3) e = rd_kafka_mock_topic_create(mc, a, x, y);
                else if (!strcmp(cmd, "coord") && sscanf(line, "%*s %31s %255s %d", cmd, a, &x) == 3) e = rd_kafka_mock_coordinator_set(mc, cmd, a, x);
                else if (!strcmp(cmd, "clear") && sscanf(line, "%*s %d", &x) == 1) rd_kafka_mock_clear_request_errors(mc, (int16_t)x);
                else if (!strcmp(cmd, "berr") && sscanf(line, "%*s %d %d %d %d", &x, &y, &z, &n) == 4)
                        e = rd_kafka_mock_broker_push_request_error_rtts(mc, x, (int16_t)y, 1, (rd_kafka_resp_err_t)z, n);
                else if (!strcmp(cmd, "err") && sscanf(line, "%*s %d%n", &x, &n) == 1) {
                        rd_kafka_resp_err_t errs[64]; size_t cnt = 0; int off = n, code, m;
                        while (cnt < 64 && sscanf(line + off, "%d%n", &code, &m) == 1) { errs[cnt++] = code; off += m; }
                        rd_kafka_mock_push_request_errors_array(mc, (int16_t)x, cnt, errs);
                } else { printf("err unknown command\n"); fflush(stdout); continue; }
                if (e) printf("err %s\n", rd_kafka_err2str(e)); else printf("ok\n");
                fflush(stdout);
        }
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
