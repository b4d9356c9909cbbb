import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorResponseDto } from '../common/error-body';
import { AuthService, TokenClaims } from './auth.service';

export type AuthenticatedRequest = FastifyRequest & { admin?: TokenClaims };

/** Lets a request through only with a valid admin bearer token. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.admin = authenticate(this.auth, request.headers.authorization);
    return true;
  }
}

/** The admin a `Bearer` header names, or a 401 saying what is wrong with it. */
export function authenticate(auth: AuthService, header: string | undefined): TokenClaims {
  if (!header) throw new UnauthorizedException('Access token required');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthorizedException('Authorization header must be "Bearer <token>"');
  const claims = auth.verify(match[1]);
  if (!claims) throw new UnauthorizedException('Invalid or expired token');
  return claims;
}

/** Marks an endpoint as admin-only, in the guard and in the OpenAPI document. */
export const AdminOnly = () =>
  applyDecorators(
    UseGuards(JwtAuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'Missing, invalid or expired token',
    }),
  );
