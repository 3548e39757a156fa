-- title: New network edges per namespace
-- description: Network edges (source workload -> destination identity, port, protocol) first seen in
--   the window and never in the baseline before it, counted per source namespace, with examples.
--   Reads the network_activity event table (Hubble, VPC flow logs, Tetragon; migration 002).
-- param: days UInt32 = 1  window in days: edges first seen in it
-- param: baseline_days UInt32 = 14  history before the window, days
-- param: namespace String = ''  one source namespace, or '' for all
-- param: limit UInt32 = 100  rows
SELECT
    namespace,
    count() AS new_edges,
    uniqExact(src_workload) AS workloads,
    sum(edge_flows) AS flows,
    arraySlice(groupArray(edge), 1, 10) AS examples,
    max(first_seen) AS latest_first_seen
FROM
(
    SELECT
        src_namespace AS namespace,
        src_workload,
        concat(src_workload, ' -> ', dst_identity, ':', toString(dst_port), '/', protocol) AS edge,
        min(time) AS first_seen,
        count() AS edge_flows
    FROM sluice.network_activity
    WHERE date >= today() - {baseline_days:UInt32} - {days:UInt32}
      AND ({namespace:String} = '' OR src_namespace = {namespace:String})
    GROUP BY src_namespace, src_workload, dst_identity, dst_port, protocol
    HAVING first_seen >= now() - {days:UInt32} * 86400
)
GROUP BY namespace
ORDER BY new_edges DESC, namespace
LIMIT {limit:UInt32};
