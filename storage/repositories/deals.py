"""Deals and their pipelines."""

from __future__ import annotations

from sqlalchemy import (
    select,
)

from domain.model import (
    Deal,
    Pipeline,
)
from storage.base import SqlRepository
from storage.tables import (
    DealRow,
    PipelineRow,
)


class SqlDealRepository(SqlRepository):
    async def add(self, deal: Deal) -> Deal:
        row = DealRow(
            title=deal.title,
            department_id=deal.department_id,
            pipeline_id=deal.pipeline_id,
            stage=deal.stage,
            responsible_id=deal.responsible_id,
            company_id=deal.company_id,
            contact_id=deal.contact_id,
            checklist_answers=deal.checklist_answers,
            created_at=deal.created_at,
        )
        await self._insert(row)
        deal.id = row.id
        return deal

    async def get(self, deal_id: int) -> Deal | None:
        row = await self._session.get(DealRow, deal_id)
        if row is None:
            return None
        return Deal(
            id=row.id,
            title=row.title,
            department_id=row.department_id,
            pipeline_id=row.pipeline_id,
            stage=row.stage,
            created_at=row.created_at,
            responsible_id=row.responsible_id,
            company_id=row.company_id,
            contact_id=row.contact_id,
            checklist_answers=dict(row.checklist_answers),
        )


class SqlPipelineRepository(SqlRepository):
    async def add(self, pipeline: Pipeline) -> Pipeline:
        row = PipelineRow(
            department_id=pipeline.department_id,
            name=pipeline.name,
            is_default=pipeline.is_default,
            stages=list(pipeline.stages),
        )
        await self._insert(row)
        pipeline.id = row.id
        return pipeline

    async def default_for(self, department_id: int) -> Pipeline | None:
        row = await self._session.scalar(
            select(PipelineRow)
            .where(PipelineRow.department_id == department_id, PipelineRow.is_default.is_(True))
            .order_by(PipelineRow.id)
            .limit(1)
        )
        if row is None:
            return None
        return Pipeline(
            id=row.id,
            department_id=row.department_id,
            name=row.name,
            is_default=row.is_default,
            stages=tuple(row.stages),
        )
