import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, type ErrorDoc } from '../openapi/api-errors';
import { AuthService, TokenClaims } from './auth.service';

export type AuthenticatedRequest = FastifyRequest & { admin?: TokenClaims };

/**
 * The Fastify route config of admin-only routes: their token is checked before their body is
 * read (see `checkTokensBeforeBodies`).
 */
export const ADMIN_ROUTE_CONFIG = { adminOnly: true } as const;

export function isAdminRoute(config: unknown): boolean {
  return (config as { adminOnly?: unknown } | undefined)?.adminOnly === true;
}

/** Lets a request through only with a valid admin bearer token. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // Usually checked already, before the body was read; checked here for any route that was not.
    request.admin ??= authenticate(this.auth, request.headers.authorization);
    return true;
  }
}

/** What a request without a usable admin token is told. */
export const AUTH_ERRORS = {
  missingToken: 'Access token required',
  notBearer: 'Authorization header must be "Bearer <token>"',
  badToken: 'Invalid or expired token',
} as const;

/** The 401 every admin route documents. */
export const ADMIN_TOKEN_ERRORS: ErrorDoc = {
  description: 'No token, not a Bearer header, or a token that is invalid or expired',
  examples: AUTH_ERRORS,
};

/** The admin a `Bearer` header names, or a 401 saying what is wrong with it. */
export function authenticate(auth: AuthService, header: string | undefined): TokenClaims {
  if (!header) throw new UnauthorizedException(AUTH_ERRORS.missingToken);
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthorizedException(AUTH_ERRORS.notBearer);
  const claims = auth.verify(match[1]);
  if (!claims) throw new UnauthorizedException(AUTH_ERRORS.badToken);
  return claims;
}

/**
 * Gives the route (or every route of a controller) the admin route config. Fastify reads a
 * route's config from its handler method only, so on a controller it marks each method.
 */
function AdminRouteConfig(): ClassDecorator & MethodDecorator {
  const mark = RouteConfig(ADMIN_ROUTE_CONFIG);
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      mark(target, key!, descriptor);
      return;
    }
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)!;
      if (name !== 'constructor' && typeof method.value === 'function') {
        mark(prototype, name, method);
      }
    }
  };
}

/** Marks an endpoint as admin-only, in the guard, the route config and the OpenAPI document. */
export const AdminOnly = () =>
  applyDecorators(
    UseGuards(JwtAuthGuard),
    AdminRouteConfig(),
    ApiBearerAuth(),
    ApiErrors({ 401: ADMIN_TOKEN_ERRORS }),
  );
