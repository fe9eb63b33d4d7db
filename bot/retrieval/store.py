"""Vector-store port and its Chroma adapter (embedded PersistentClient or a Chroma server by URL)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar
from urllib.parse import urlparse

import numpy as np

from bot.domain.models import Chunk, Question, SearchHit

Where = dict[str, Any]
P = ParamSpec("P")
R = TypeVar("R")


class StoreError(RuntimeError):
    """The vector store cannot be used as asked (wrong embedder, unreachable server, unwritable directory)."""


class VectorStore(Protocol):
    """What the product needs from a vector store: questions, chunks, fingerprints of ingested files."""

    def upsert(self, questions: list[Question], chunks: list[Chunk], question_vectors: np.ndarray,
               chunk_vectors: np.ndarray, source_path: str, file_hash: str) -> None: ...
    def delete_source(self, source_path: str) -> None: ...
    def fingerprints(self) -> dict[str, str]: ...
    def questions(self) -> list[Question]: ...
    def question(self, question_id: str) -> Question | None: ...
    def search_chunks(self, vector: np.ndarray, k: int = 5, where: Where | None = None) -> list[SearchHit]: ...
    def search_questions(self, vector: np.ndarray, k: int = 5,
                         where: Where | None = None) -> list[tuple[Question, float]]: ...
    def chunks_of(self, question_id: str) -> list[Chunk]: ...
    def count_chunks(self) -> int: ...


def _guarded(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn any failure of the Chroma client inside a store method into a StoreError that says what to do."""
    def wrap(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except StoreError:
                raise
            except Exception as exc:
                store = args[0]
                assert isinstance(store, ChromaStore)
                raise store.failure(action, exc) from exc
        return inner
    return wrap


def _where(where: Where | None) -> Where | None:
    """Chroma wants `$and` for more than one condition."""
    if not where:
        return None
    if len(where) == 1:
        return where
    return {"$and": [{key: value} for key, value in where.items()]}


class ChromaStore:
    """Three Chroma collections: `<name>-chunks` (reference chunks), `<name>-questions` (whole questions) and
    `<name>-vectors` (reference-side texts' vectors kept by the grader, see `VectorMemo`; no text is stored)."""

    def __init__(self, client: Any, name: str, embedder_name: str, dim: int, reset: bool = False,
                 location: str = "") -> None:
        self._client = client
        self.location = location
        self._name = name
        self._embedder = embedder_name
        self._dim = dim
        self._remote = location.startswith(("http://", "https://"))
        self._connect(reset)

    @_guarded("open")
    def _connect(self, reset: bool) -> None:
        if reset:
            for collection in self._collection_names():
                if collection in {c if isinstance(c, str) else c.name for c in self._client.list_collections()}:
                    self._client.delete_collection(collection)
        self._chunks, self._questions, self._vectors = (self._open(c) for c in self._collection_names())

    def failure(self, action: str, exc: BaseException) -> StoreError:
        """A StoreError for a failed `action`: an unreachable server, or a directory that cannot be written."""
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if self._remote:
            return StoreError(f"The Chroma server at {self.location} did not answer ({action}: {detail}). "
                              "Start it again and retry; sessions are kept in the database.")
        return StoreError(f"Cannot {action} the vector store in {self.location} ({detail}). Check that the "
                          "directory exists, is writable and the disk is not full.")

    def _collection_names(self) -> tuple[str, str, str]:
        return f"{self._name}-chunks", f"{self._name}-questions", f"{self._name}-vectors"

    @classmethod
    def open(cls, *, path: Path | None = None, url: str | None = None, name: str = "mockinterview",
             embedder_name: str, dim: int, reset: bool = False) -> ChromaStore:
        """Open (creating if needed) the store at `path`, or on the Chroma server at `url`; `reset` empties it."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        try:
            if url:
                parsed = urlparse(url)
                client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                    ssl=parsed.scheme == "https", settings=chroma_settings,
                )
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            where_ = url or str(path)
            raise StoreError(f"Cannot open the vector store at {where_}: {exc}") from exc
        return cls(client, name, embedder_name, dim, reset=reset, location=url or str(path))

    def _open(self, collection: str) -> Any:
        meta = {"hnsw:space": "cosine", "embedder": self._embedder, "dim": self._dim}
        existing = self._client.get_or_create_collection(name=collection, metadata=meta, embedding_function=None)
        stored = existing.metadata or {}
        if stored.get("embedder") != self._embedder or int(stored.get("dim", self._dim)) != self._dim:
            raise StoreError(
                f"The index was built with embedder {stored.get('embedder')!r} ({stored.get('dim')} dims) but "
                f"{self._embedder!r} ({self._dim} dims) is configured. Rebuild it: mockinterview ingest --rebuild"
            )
        return existing

    @_guarded("write to")
    def upsert(self, questions: list[Question], chunks: list[Chunk], question_vectors: np.ndarray,
               chunk_vectors: np.ndarray, source_path: str, file_hash: str) -> None:
        stamp = {"source_path": source_path, "file_hash": file_hash}
        # Questions go last: they carry the file's fingerprint, so a file cut short is ingested again next time.
        self._upsert(self._chunks, [c.id for c in chunks], chunk_vectors, [c.text for c in chunks],
                     [{**c.model_dump(exclude={"id", "text"}), **stamp} for c in chunks])
        self._upsert(self._questions, [q.id for q in questions], question_vectors,
                     [q.model_dump_json() for q in questions], [{**_question_meta(q), **stamp} for q in questions])

    def _upsert(self, collection: Any, ids: list[str], vectors: np.ndarray, documents: list[str],
                metadatas: list[dict[str, Any]]) -> None:
        """Upsert in batches no larger than the Chroma client accepts at once."""
        step = self._client.get_max_batch_size()
        for start in range(0, len(ids), step):
            end = start + step
            collection.upsert(ids=ids[start:end], embeddings=vectors[start:end].tolist(),
                              documents=documents[start:end] or None, metadatas=metadatas[start:end] or None)

    @_guarded("write to")
    def delete_source(self, source_path: str) -> None:
        for collection in (self._chunks, self._questions):
            collection.delete(where={"source_path": source_path})

    @_guarded("read")
    def fingerprints(self) -> dict[str, str]:
        metas = self._questions.get(include=["metadatas"])["metadatas"] or []
        return {str(m["source_path"]): str(m["file_hash"]) for m in metas}

    @_guarded("read")
    def questions(self) -> list[Question]:
        docs = self._questions.get(include=["documents"])["documents"] or []
        return sorted((Question.model_validate_json(d) for d in docs), key=lambda q: (q.source_file, q.id))

    @_guarded("read")
    def question(self, question_id: str) -> Question | None:
        docs = self._questions.get(ids=[question_id], include=["documents"])["documents"] or []
        return Question.model_validate_json(docs[0]) if docs else None

    @_guarded("search")
    def search_chunks(self, vector: np.ndarray, k: int = 5, where: Where | None = None) -> list[SearchHit]:
        result = self._chunks.query(query_embeddings=[vector.tolist()], n_results=k, where=_where(where),
                                    include=["documents", "metadatas", "distances"])
        return [
            SearchHit(question_id=str(meta["question_id"]), title=str(meta["title"]), section=str(meta["section"]),
                      text=doc, score=1.0 - float(dist), chunk_id=cid)
            for cid, doc, meta, dist in _rows(result)
        ]

    @_guarded("search")
    def search_questions(self, vector: np.ndarray, k: int = 5,
                         where: Where | None = None) -> list[tuple[Question, float]]:
        result = self._questions.query(query_embeddings=[vector.tolist()], n_results=k, where=_where(where),
                                       include=["documents", "metadatas", "distances"])
        return [(Question.model_validate_json(doc), 1.0 - float(dist)) for _, doc, _, dist in _rows(result)]

    @_guarded("read")
    def chunks_of(self, question_id: str) -> list[Chunk]:
        got = self._chunks.get(where={"question_id": question_id}, include=["documents", "metadatas"])
        chunks = [
            Chunk(id=cid, text=doc, **{k: v for k, v in meta.items() if k in Chunk.model_fields})
            for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        ]
        return sorted(chunks, key=lambda c: c.id)

    @_guarded("read")
    def count_chunks(self) -> int:
        return int(self._chunks.count())

    @_guarded("read")
    def count_kept(self) -> int:
        """How many vectors the grader has kept in the index (see `recall`)."""
        return int(self._vectors.count())

    @_guarded("read")
    def recall(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The kept vectors of those `keys` (`memo_key` of a text and an embedder variant) that the index holds."""
        got = self._vectors.get(ids=keys, include=["embeddings"])
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        return {key: np.asarray(vec, dtype=np.float32) for key, vec in zip(got["ids"], vectors, strict=True)}

    @_guarded("write to")
    def keep(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep vectors by key, replacing any kept before under the same key."""
        keys = list(vectors)
        self._upsert(self._vectors, keys, np.stack([vectors[k] for k in keys]), [], [])


def _question_meta(question: Question) -> dict[str, str]:
    fields = ("title", "company", "role", "category", "difficulty", "level", "interview_round", "source_file", "topic")
    return {name: str(getattr(question, name)) for name in fields}


def _rows(result: Any) -> Iterable[tuple[str, str, dict[str, Any], float]]:
    ids = (result.get("ids") or [[]])[0]
    docs = (result.get("documents") or [[]])[0]
    metas = (result.get("metadatas") or [[]])[0]
    dists = (result.get("distances") or [[]])[0]
    return zip(ids, docs, metas, dists, strict=True)

