package io.paasoperator.apiserver.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.context.DatabaseWork;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceViews.ResourceView;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the change log ({@code resource_change}, written by a trigger with every resource write) for the watch stream,
 * and renders each change's object as {@code GET /{kind}/{name}} does.
 * <p>
 * A row is taken only once it is <em>settled</em>: every transaction that was in progress when it was written has
 * ended. One of those may hold a lower seq and commit after it; a reader that moved past such a row's seq would never
 * see the lower one. So the rows a reader takes are always a complete prefix of what will ever be there.
 */
@ApplicationScoped
public class ChangeLog {

    /** True when no transaction in progress at the row's writing is still in progress now. */
    private static final String SETTLED = "not exists (select 1 from pg_snapshot_xip(c.writers) x"
            + " where not pg_visible_in_snapshot(x, pg_current_snapshot()))";
    /** Rows looked at for the newest settled position: far more than writes in flight at once. */
    private static final int SNAPSHOT_WINDOW = 10_000;

    /** One change: its seq, ADDED, MODIFIED or DELETED, and the object. */
    public record Change(long seq, String type, ResourceView object) {
    }

    /**
     * The changes after a position, up to {@code position}; {@code more}: the batch was full, read on at once;
     * {@code unsettledAhead}: a change after them is written but not settled yet, read again shortly.
     */
    public record Batch(List<Change> changes, long position, boolean more, boolean unsettledAhead) {
    }

    /** Every resource of a kind, and the seq of the change log they include every change up to. */
    public record Snapshot(long position, List<ResourceView> objects) {
    }

    private final DatabaseWork database;
    private final ResourceDocuments documents;
    private final ObjectMapper json;

    public ChangeLog(DatabaseWork database, ResourceDocuments documents, ObjectMapper json) {
        this.database = database;
        this.documents = documents;
        this.json = json;
    }

    /**
     * The kind's resources now, with a position no later than them: the position is read first (the newest settled
     * seq), the rows after it, so the rows include every change up to the position; changes after it may be sent again.
     */
    public Uni<Snapshot> snapshot(ResourceKind kind) {
        return database.read(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                        "select coalesce(min(seq) filter (where not settled) - 1, max(seq),"
                                + " (select pruned_through from resource_change_horizon)) from (select c.seq, " + SETTLED
                                + " as settled from resource_change c where c.kind = :kind order by c.seq desc limit "
                                + SNAPSHOT_WINDOW + ") recent", Long.class)
                .setParameter("kind", kind.wire()).getSingleResult()
                .chain(position -> ResourceRecord.<ResourceRecord>find("kind = ?1 order by name", kind).list()
                        .map(records -> new Snapshot(position, records.stream().map(documents::view).toList())))));
    }

    /**
     * Up to {@code limit} settled changes of a kind after {@code after}, in order. Fails with a 410 problem when
     * retention dropped changes after {@code after}: the client must list again.
     */
    public Uni<Batch> after(ResourceKind kind, long after, int limit) {
        return database.read(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                        "select pruned_through from resource_change_horizon", Long.class).getSingleResult()
                .invoke(prunedThrough -> {
                    if (after < prunedThrough) {
                        throw new ProblemException(410, "Gone", "changes after " + after + " are no longer kept (the"
                                + " change log keeps paas.watch.retention); list again, or watch without Last-Event-ID",
                                List.of());
                    }
                })
                .chain(() -> session.createNativeQuery("select c.seq, c.type, c.resource_id, c.deleted_row, " + SETTLED
                                + " from resource_change c where c.kind = :kind and c.seq > :after order by c.seq limit :limit",
                                Object[].class)
                        .setParameter("kind", kind.wire()).setParameter("after", after).setParameter("limit", limit)
                        .getResultList())
                .chain(rows -> render(kind, after, rows, limit))));
    }

    /** The settled prefix of {@code rows}, each with its object; ADDED and MODIFIED read the rows as they are now. */
    private Uni<Batch> render(ResourceKind kind, long after, List<Object[]> rows, int limit) {
        List<Object[]> settled = new ArrayList<>();
        for (Object[] row : rows) {
            if (!(Boolean) row[4]) {
                break;
            }
            settled.add(row);
        }
        boolean unsettledAhead = settled.size() < rows.size();
        List<Long> ids = settled.stream().filter(row -> !"DELETED".equals(row[1])).map(row -> ((Number) row[2]).longValue())
                .distinct().toList();
        Uni<List<ResourceRecord>> current = ids.isEmpty() ? Uni.createFrom().item(List.of())
                : ResourceRecord.<ResourceRecord>find("kind = ?1 and id in ?2", kind, ids).list();
        return current.map(records -> {
            Map<Long, ResourceView> views = records.stream().collect(Collectors.toMap(r -> r.id, documents::view));
            List<Change> changes = new ArrayList<>();
            long position = after;
            for (Object[] row : settled) {
                long seq = ((Number) row[0]).longValue();
                String type = (String) row[1];
                position = seq;
                // A row gone since (deleted, or deleted and created anew under another id): its DELETED follows, with
                // the object it had.
                ResourceView object = "DELETED".equals(type) ? deleted((String) row[3])
                        : views.get(((Number) row[2]).longValue());
                if (object != null) {
                    changes.add(new Change(seq, type, object));
                }
            }
            return new Batch(changes, position, !unsettledAhead && rows.size() == limit, unsettledAhead);
        });
    }

    private ResourceView deleted(String row) {
        try {
            return documents.view(ResourceRecord.fromDeletedRow(json.readTree(row)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a deleted row of the change log does not read", e);
        }
    }
}
