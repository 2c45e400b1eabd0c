package io.paasoperator.apiserver.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.context.DatabaseWork;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.resource.ResourceViews.ResourceView;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the change log ({@code resource_change}, written by a trigger with every resource write) for the watch stream,
 * and renders each change's object as {@code GET /{kind}/{name}} does.
 * <p>
 * Rows are read in the order of their writing transaction, then seq, and only up to the oldest transaction still in
 * progress (V9__change_log_order.sql): every transaction before it has ended and no later one can write below it, so
 * the rows a reader takes are a complete prefix of what will ever be there, and a position never passes a change.
 */
@ApplicationScoped
public class ChangeLog {

    /** True when the row's transaction is older than every transaction in progress: nothing can come before it now. */
    private static final String FINAL = "c.writer < pg_snapshot_xmin(pg_current_snapshot())";
    /** A position's writer, a bigint parameter, as the xid8 it stands for. */
    private static final String WRITER_PARAM = "$2::bigint::text::xid8";

    private static final String NEWEST_FINAL = "select w, s from ((select c.writer::text::bigint as w, c.seq as s, 0 as pick"
            + " from resource_change c where c.kind = $1 and " + FINAL + " order by c.writer desc, c.seq desc limit 1)"
            + " union all (select pruned_writer::text::bigint, pruned_seq, 1 from resource_change_horizon)) p order by pick limit 1";
    private static final String AFTER = "select c.seq, c.type, c.resource_id, c.deleted_row, c.writer::text::bigint, " + FINAL
            + " from resource_change c where c.kind = $1 and (c.writer, c.seq) > (" + WRITER_PARAM + ", $3)"
            + " order by c.writer, c.seq limit $4";
    private static final String GONE = "select (pruned_writer, pruned_seq) > ($1::bigint::text::xid8, $2)"
            + " from resource_change_horizon";
    private static final String RESUME = "select (select c.writer::text::bigint from resource_change c where c.seq = $1),"
            + " pruned_writer::text::bigint, pruned_seq, pruned_through, first_seq from resource_change_horizon";

    /** Where a reader is: the writing transaction and seq of the last row it took (seq is that change's event id). */
    public record Position(long writer, long seq) {
    }

    /** One change: its seq, ADDED, MODIFIED or DELETED, and the object. */
    public record Change(long seq, String type, ResourceView object) {
    }

    /**
     * The changes after a position, up to {@code position}; {@code more}: the batch was full, read on at once;
     * {@code unsettledAhead}: a change after them is written but an older transaction is still open, read again shortly.
     */
    public record Batch(List<Change> changes, Position position, boolean more, boolean unsettledAhead) {
    }

    /** Every resource of a kind, and the position of the change log they include every change up to. */
    public record Snapshot(Position position, List<ResourceView> objects) {
    }

    private final DatabaseWork database;
    private final ResourceStore resources;
    private final ResourceDocuments documents;
    private final ObjectMapper json;

    public ChangeLog(DatabaseWork database, ResourceStore resources, ResourceDocuments documents, ObjectMapper json) {
        this.database = database;
        this.resources = resources;
        this.documents = documents;
        this.json = json;
    }

    /**
     * The kind's resources now, with a position no later than them: the position (the newest final row) is read first,
     * the resources after it, so they include every change up to it; changes after it may be sent again.
     */
    public Uni<Snapshot> snapshot(ResourceKind kind) {
        return database.query(sql -> sql.preparedQuery(NEWEST_FINAL).execute(Tuple.of(kind.wire())))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Position(row.getLong(0), row.getLong(1));
                })
                .chain(position -> resources.all(kind)
                        .map(records -> new Snapshot(position, records.stream().map(documents::view).toList())));
    }

    /**
     * Where a client resuming after event {@code seq} is. Fails with a 410 problem when retention dropped that change (the
     * client must list again), and with a 400 problem naming {@code field} for an id no change of this log ever had (one
     * of another database's history, say).
     */
    public Uni<Position> resume(long seq, String field) {
        return database.query(sql -> sql.preparedQuery(RESUME).execute(Tuple.of(seq))).map(rows -> {
            Row row = rows.iterator().next();
            Long writer = row.getLong(0);
            if (writer != null) {
                return new Position(writer, seq);
            }
            if (seq == row.getLong(2)) {
                // The horizon itself: what a watch of an empty (or wholly pruned) log was told.
                return new Position(row.getLong(1), seq);
            }
            // Below the log's first id, the id is another history's (a database replaced since): see V12.
            if (seq <= row.getLong(3) && seq >= row.getLong(4)) {
                throw gone(seq);
            }
            throw ProblemException.invalidField(field, "no change of this database's history had the id " + seq
                    + ": give the id of an event this stream sent, or leave it out to start with every resource as it is");
        });
    }

    /**
     * Up to {@code limit} final changes of a kind after {@code after}, in order. Fails with a 410 problem when retention
     * dropped changes after it: the client must list again.
     */
    public Uni<Batch> after(ResourceKind kind, Position after, int limit) {
        return database.query(sql -> sql.preparedQuery(GONE).execute(Tuple.of(after.writer(), after.seq()))
                .invoke(gone -> {
                    if (gone.iterator().next().getBoolean(0)) {
                        throw gone(after.seq());
                    }
                })
                .chain(() -> sql.preparedQuery(AFTER).execute(Tuple.of(kind.wire(), after.writer(), after.seq(), limit))))
                .chain(rows -> render(kind, after, rows, limit));
    }

    /** The final prefix of {@code rows}, each with its object; ADDED and MODIFIED read the rows as they are now. */
    private Uni<Batch> render(ResourceKind kind, Position after, RowSet<Row> rows, int limit) {
        List<Row> taken = new ArrayList<>();
        for (Row row : rows) {
            if (!row.getBoolean(5)) {
                break;
            }
            taken.add(row);
        }
        boolean unsettledAhead = taken.size() < rows.size();
        Set<Long> ids = taken.stream().filter(row -> !"DELETED".equals(row.getString(1))).map(row -> row.getLong(2))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return resources.byIds(kind, ids).map(records -> {
            Map<Long, ResourceView> views = records.stream().collect(Collectors.toMap(r -> r.id, documents::view));
            List<Change> changes = new ArrayList<>();
            Position position = after;
            for (Row row : taken) {
                long seq = row.getLong(0);
                String type = row.getString(1);
                position = new Position(row.getLong(4), seq);
                // A row gone since (deleted, or deleted and created anew under another id): its DELETED follows, with
                // the object it had.
                ResourceView object = "DELETED".equals(type) ? deleted(row.getString(3)) : views.get(row.getLong(2));
                if (object != null) {
                    changes.add(new Change(seq, type, object));
                }
            }
            return new Batch(changes, position, !unsettledAhead && rows.size() == limit, unsettledAhead);
        });
    }

    private static ProblemException gone(long seq) {
        return new ProblemException(410, "Gone", "changes after " + seq + " are no longer kept (the change log keeps"
                + " paas.watch.retention); list again, or watch without Last-Event-ID", List.of());
    }

    private ResourceView deleted(String row) {
        try {
            return documents.view(ResourceRecord.fromDeletedRow(json.readTree(row)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a deleted row of the change log does not read", e);
        }
    }
}
